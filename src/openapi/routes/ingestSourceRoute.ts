import type { SourceConfig } from '../../config/sourceSchema';
import type { HttpRoute } from '../httpRoute';
import {
    componentRef,
    errorResponse,
    jsonContent,
    retryAfterHeader,
    type Examples,
    type MediaType,
    type Operation,
    type Parameter,
    type PathItem,
} from '../openApiParts';
import {
    requestKeyParameters,
    requestKeyResponses,
    signatureRejected,
    standardWebhooksParameters,
} from './requestKeyParts';

const signatureHeaders = { github: 'X-Hub-Signature-256', stripe: 'Stripe-Signature' } as const;

const subscriptionValidation = [
    {
        id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
        topic: '/subscriptions/00000000-0000-0000-0000-000000000000',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2024-05-01T12:30:00Z',
        data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
        dataVersion: '1',
    },
];

function postOperation(source: SourceConfig): Operation {
    const accepts = (format: SourceConfig['accept'][number]) => source.accept.includes(format);
    const unsigned = source.signature === undefined;
    const tableNames = source.tables.map(({ table }) => table);
    const content: Record<string, MediaType> = {};
    if (accepts('json') || accepts('eventgrid')) {
        content['application/json'] = {
            schema: {},
            ...(unsigned && accepts('eventgrid')
                ? { examples: { subscriptionValidation: { value: subscriptionValidation } } }
                : !unsigned
                  ? { examples: { unsigned: { summary: 'Without a signature', value: {} } } }
                  : {}),
        };
    }
    if (accepts('cloudevents')) {
        content['application/cloudevents+json'] = { schema: { type: 'object' } };
        content['application/cloudevents-batch+json'] = {
            schema: { type: 'array', minItems: 1, items: { type: 'object' } },
            ...(unsigned ? { examples: { emptyBatch: { summary: 'A batch without events', value: [] } } } : {}),
        };
    }
    const parameters: Parameter[] = [...requestKeyParameters];
    if (source.signature?.scheme === 'standardwebhooks') {
        parameters.push(...standardWebhooksParameters);
    } else if (source.signature !== undefined) {
        parameters.push({
            name: signatureHeaders[source.signature.scheme],
            in: 'header',
            required: true,
            description: `The sender's ${source.signature.scheme} signature of the body (secret in app setting ${source.signature.secretSetting})`,
            schema: { type: 'string' },
        });
    }
    if (accepts('eventgrid')) {
        parameters.push({
            name: 'aeg-event-type',
            in: 'header',
            description: 'Set by Event Grid: Notification, or SubscriptionValidation for the handshake',
            schema: { type: 'string' },
            ...(unsigned ? { examples: { subscriptionValidation: { value: 'SubscriptionValidation' } } } : {}),
        });
    }
    const okExamples: Examples =
        unsigned && accepts('eventgrid')
            ? { subscriptionValidation: { value: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' } } }
            : {};
    return {
        operationId: `ingestSource_${source.name}`,
        summary: `Receive ${source.name} events (rows of ${source.dataset}: ${tableNames.join(', ')})`,
        description:
            `Accepts ${source.accept.join(', ')} payloads, maps each event to rows with the source's JSONata and enqueues ` +
            'them whole or not at all, like the rows webhook. Redeliveries of a committed event id are counted as duplicates.',
        tags: ['sources'],
        parameters,
        requestBody: {
            required: true,
            description: `The sender's own JSON; the rows it maps to must fit ${tableNames.map((table) => `table ${table} (row schema: POST /datasets/${source.dataset}/tables/${table}/rows)`).join(', ')} of ${source.dataset}`,
            content,
        },
        responses: {
            '200': {
                description: 'Nothing to enqueue (every event filtered or a duplicate), or the Event Grid handshake',
                content: jsonContent(
                    { oneOf: [componentRef('SourceNoRowsBody'), componentRef('EventGridValidationBody')] },
                    okExamples,
                ),
            },
            '202': {
                description: 'Accepted: the mapped rows are enqueued',
                content: jsonContent(componentRef('SourceAcceptedBody')),
            },
            '400': errorResponse(
                'Not JSON, not the envelope of an accepted format, a mapping failed, or rows are invalid',
                {
                    ...(unsigned && accepts('cloudevents')
                        ? {
                              emptyBatch: ['InvalidEvent', 'The body is not a CloudEvents JSON batch'] as [
                                  string,
                                  string,
                              ],
                          }
                        : {}),
                },
            ),
            ...(unsigned
                ? {}
                : {
                      '401':
                          source.signature?.scheme === 'standardwebhooks'
                              ? signatureRejected
                              : errorResponse('The signature is missing or wrong; nothing changed', {
                                    unsigned: ['InvalidSignature', 'The request has no valid signature'],
                                }),
                  }),
            ...requestKeyResponses,
            '409': {
                ...errorResponse(
                    'Another request is committing one of these events, or the first request with this key is still being enqueued',
                ),
                headers: retryAfterHeader,
            },
            '413': errorResponse('The body is larger than INGEST_MAX_BODY_BYTES'),
            '415': errorResponse('A Content-Type the source does not accept'),
        },
    };
}

/** The CloudEvents webhook validation handshake (CloudEvents HTTP webhook spec, section 4). */
function optionsOperation(source: SourceConfig): Operation {
    const allowed = source.allowedOrigins.find((origin) => origin !== '*') ?? 'eventgrid.azure.net';
    const refusesOthers = !source.allowedOrigins.includes('*');
    return {
        operationId: `handshake_${source.name}`,
        summary: `CloudEvents webhook handshake of ${source.name}`,
        tags: ['sources'],
        parameters: [
            {
                name: 'WebHook-Request-Origin',
                in: 'header',
                required: true,
                description: `The sender's origin; allowed: ${source.allowedOrigins.join(', ')}`,
                schema: { type: 'string' },
                examples: {
                    allowed: { value: allowed },
                    ...(refusesOthers ? { otherOrigin: { value: 'sender.example.com' } } : {}),
                },
            },
        ],
        responses: {
            '200': {
                description: 'The origin may send',
                headers: {
                    'WebHook-Allowed-Origin': {
                        description: 'The origin, echoed',
                        schema: { type: 'string' },
                        examples: { allowed: { value: allowed } },
                    },
                    'WebHook-Allowed-Rate': { description: 'Always *', schema: { type: 'string' } },
                },
            },
            '400': errorResponse('No WebHook-Request-Origin header'),
            '403': errorResponse('The origin is not allowed', {
                ...(refusesOthers
                    ? {
                          otherOrigin: ['OriginNotAllowed', 'The origin is not among the allowed origins'] as [
                              string,
                              string,
                          ],
                      }
                    : {}),
            }),
        },
    };
}

/** POST (and, for CloudEvents, OPTIONS) /api/sources/{source}, documented once per configured source. */
export const ingestSourceRoute: HttpRoute = {
    functionName: 'ingestSource',
    methods: ['POST', 'OPTIONS'],
    route: 'sources/{source}',
    paths: (config) =>
        Object.fromEntries(
            config.sources.map((source): [string, PathItem] => [
                `/sources/${encodeURIComponent(source.name)}`,
                {
                    post: postOperation(source),
                    ...(source.accept.includes('cloudevents') ? { options: optionsOperation(source) } : {}),
                },
            ]),
        ),
};
