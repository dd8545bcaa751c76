import { describeJsonataError, type Mapping, type SourceConfig } from '../../config/sourceSchema';
import type { SourceEvent } from './toSourcePayload';

/** The rows one event mapped to, per table of the source (in the order of its `tables`), and its deduplicating id. */
export interface MappedEvent {
    id?: string;
    tables: unknown[][];
}

export type MappingRejection = { kind: 'rejected'; status: 400; code: string; message: string };

export type MappedEvents = { kind: 'mapped'; events: MappedEvent[]; filtered: number } | MappingRejection;

class MappingError extends Error {
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);

async function evaluate(mapping: Mapping, what: string, input: unknown, bindings: Record<string, unknown>) {
    try {
        return (await mapping.expression.evaluate(input, bindings)) as unknown;
    } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'D1012') {
            throw new MappingError('MappingTimedOut', `the ${what} ran longer than mappingTimeoutMs`);
        }
        if (code === 'D2015') {
            throw new MappingError('MappingTooLarge', `the ${what} built a sequence longer than maxRows`);
        }
        throw new MappingError('MappingFailed', `the ${what} failed: ${describeJsonataError(error)}`);
    }
}

async function mapEvent(
    source: SourceConfig,
    event: SourceEvent,
    bindings: Record<string, unknown>,
): Promise<MappedEvent | undefined> {
    if (source.filter !== undefined) {
        const keep = await evaluate(source.filter, 'filter expression', event.input, bindings);
        if (keep === undefined || keep === false) return undefined;
        if (keep !== true) {
            throw new MappingError(
                'MappingFailed',
                `the filter expression gave ${JSON.stringify(keep)}, not true or false`,
            );
        }
    }
    let id = event.id;
    if (id === undefined && source.eventId !== undefined) {
        const value = await evaluate(source.eventId, 'eventId expression', event.input, bindings);
        if (typeof value !== 'string' && typeof value !== 'number') {
            throw new MappingError(
                'MissingEventId',
                'the eventId expression gave no string or number for this payload',
            );
        }
        id = String(value);
    }
    const tables: unknown[][] = [];
    for (const { table, rows: mapping } of source.tables) {
        const what = source.tables.length > 1 ? `rows expression of table "${table}"` : 'rows expression';
        const output = await evaluate(mapping, what, event.input, bindings);
        const rows = output === undefined ? [] : Array.isArray(output) ? output : [output];
        const notRow = rows.findIndex((row) => !isPlainObject(row));
        if (notRow >= 0) {
            throw new MappingError(
                'MappingFailed',
                `the ${what} must give an object or an array of objects; item ${notRow} is ${JSON.stringify(rows[notRow])?.slice(0, 100)}`,
            );
        }
        tables.push(rows);
    }
    return { ...(id !== undefined ? { id } : {}), tables };
}

/**
 * Runs the source's filter, eventId and rows expressions (one per table) on every event (each bounded by the
 * source's mappingTimeoutMs), and bounds the rows of the whole request, all tables together, by maxRows.
 * `$headers` holds the request's headers with lower-case names.
 */
export async function mapSourceEvents(
    source: SourceConfig,
    events: readonly SourceEvent[],
    headers: Record<string, string>,
): Promise<MappedEvents> {
    const bindings = { headers };
    const mapped: MappedEvent[] = [];
    let rowCount = 0;
    for (const [index, event] of events.entries()) {
        const where = events.length > 1 ? ` (event ${index})` : '';
        try {
            const result = await mapEvent(source, event, bindings);
            if (result === undefined) continue;
            rowCount += result.tables.reduce((sum, rows) => sum + rows.length, 0);
            if (rowCount > source.maxRows) {
                throw new MappingError(
                    'MappingTooLarge',
                    `the mapping gave more than maxRows (${source.maxRows}) rows`,
                );
            }
            mapped.push(result);
        } catch (error) {
            if (!(error instanceof MappingError)) throw error;
            return {
                kind: 'rejected',
                status: 400,
                code: error.code,
                message: `Source "${source.name}"${where}: ${error.message}; nothing was enqueued`,
            };
        }
    }
    return { kind: 'mapped', events: mapped, filtered: events.length - mapped.length };
}
