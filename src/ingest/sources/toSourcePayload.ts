import { z } from 'zod';
import type { SourceConfig } from '../../config/sourceSchema';
import { describeZodError } from '../../config/describeZodError';

/** CloudEvents 1.0 JSON format (cloudevents/spec json-format.md); extension attributes pass through. */
const cloudEventSchema = z
    .looseObject({
        specversion: z.literal('1.0'),
        id: z.string().min(1),
        source: z.string().min(1),
        type: z.string().min(1),
        datacontenttype: z.string().optional(),
        dataschema: z.string().optional(),
        subject: z.string().optional(),
        time: z.iso.datetime({ offset: true }).optional(),
        data_base64: z.string().optional(),
    })
    .refine((event) => !('data' in event && 'data_base64' in event), {
        message: 'a CloudEvent carries data or data_base64, not both',
    });

/** The Event Grid event schema (learn.microsoft.com/azure/event-grid/event-schema). */
const eventGridEventSchema = z.looseObject({
    id: z.string().min(1),
    topic: z.string().optional(),
    subject: z.string(),
    eventType: z.string().min(1),
    eventTime: z.string().min(1),
    data: z.unknown(),
    dataVersion: z.string(),
    metadataVersion: z.string().optional(),
});

const subscriptionValidationEvent = 'Microsoft.EventGrid.SubscriptionValidationEvent';
const validationDataSchema = z.looseObject({ validationCode: z.string().min(1) });

/** One thing to map; `id` is what deduplicates redeliveries (absent when the source has no id for it). */
export interface SourceEvent {
    input: unknown;
    id?: string;
}

export type SourcePayload =
    | { kind: 'events'; format: SourceConfig['accept'][number]; events: SourceEvent[] }
    | { kind: 'eventGridValidation'; validationCode: string }
    | { kind: 'rejected'; status: 400 | 415; code: string; message: string };

function mediaType(contentType: string | null): string | undefined {
    return contentType?.split(';')[0]?.trim().toLowerCase();
}

const isJsonMediaType = (type: string | undefined) =>
    type !== undefined && /^application\/([\w.+-]+\+)?json$/.test(type);

function invalid(what: string, error: z.ZodError, prefix: string): SourcePayload {
    const issues = describeZodError(error, {
        root: '(body)',
        max: 20,
        name: (path) => [prefix, ...path.map(String)].filter((p) => p !== '').join('.'),
    });
    return {
        kind: 'rejected',
        status: 400,
        code: 'InvalidEvent',
        message: `The body is not ${what}: ${issues}`,
    };
}

function cloudEvents(json: unknown, batch: boolean): SourcePayload {
    const parsed = (batch ? z.array(cloudEventSchema).min(1) : cloudEventSchema).safeParse(json);
    if (!parsed.success) {
        return invalid(
            batch ? 'a CloudEvents JSON batch' : 'a CloudEvent in JSON',
            parsed.error,
            batch ? 'events' : '',
        );
    }
    const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    // CloudEvents: "Consumers MAY assume that Events with identical source and id are duplicates."
    return {
        kind: 'events',
        format: 'cloudevents',
        events: events.map((event) => ({ input: event, id: JSON.stringify([event.source, event.id]) })),
    };
}

function eventGridEvents(json: unknown): SourcePayload {
    const parsed = z.array(eventGridEventSchema).min(1).safeParse(json);
    if (!parsed.success) return invalid('an array of Event Grid events', parsed.error, 'events');
    const validation = parsed.data.find((event) => event.eventType === subscriptionValidationEvent);
    if (validation !== undefined) {
        const data = validationDataSchema.safeParse(validation.data);
        if (!data.success) return invalid('a subscription validation event', data.error, 'data');
        return { kind: 'eventGridValidation', validationCode: data.data.validationCode };
    }
    return {
        kind: 'events',
        format: 'eventgrid',
        events: parsed.data.map((event) => ({ input: event, id: JSON.stringify([event.topic ?? '', event.id]) })),
    };
}

/**
 * Tells which of the source's accepted formats a request is in (by Content-Type, and Event Grid's
 * `aeg-event-type` header) and checks its envelope.
 */
export function toSourcePayload(
    source: SourceConfig,
    request: { contentType: string | null; eventGridEventType: string | null },
    json: unknown,
): SourcePayload {
    const type = mediaType(request.contentType);
    const accepts = (format: SourceConfig['accept'][number]) => source.accept.includes(format);
    const unsupported = (message: string): SourcePayload => ({
        kind: 'rejected',
        status: 415,
        code: 'UnsupportedMediaType',
        message: `Source "${source.name}" accepts ${source.accept.join(', ')}: ${message}`,
    });
    if (type === 'application/cloudevents+json' || type === 'application/cloudevents-batch+json') {
        if (!accepts('cloudevents')) return unsupported(`${type} is not among them`);
        return cloudEvents(json, type === 'application/cloudevents-batch+json');
    }
    if (!isJsonMediaType(type)) return unsupported(`Content-Type ${request.contentType ?? 'none'} is not JSON`);
    if (request.eventGridEventType !== null || (accepts('eventgrid') && !accepts('json'))) {
        if (!accepts('eventgrid')) return unsupported('the request is an Event Grid delivery (aeg-event-type)');
        return eventGridEvents(json);
    }
    if (!accepts('json')) {
        return unsupported('send CloudEvents as application/cloudevents+json or application/cloudevents-batch+json');
    }
    return { kind: 'events', format: 'json', events: [{ input: json }] };
}
