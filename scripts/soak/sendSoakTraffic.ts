import { sendRequests, type SendResult } from '../bench/sendRequests';

/** One webhook request of a soak: the table it is for and the unique id of each of its rows. */
export interface SoakRequest {
    table: string;
    ids: string[];
    /** The HTTP status it was answered, or `noAnswer` (the host died, or the connection failed). */
    status: number | 'noAnswer';
    /** The ingestion id of a 202, to find the request in the relay's log. */
    ingestionId?: string;
}

export interface SoakTrafficOptions {
    dataset: string;
    /** Requests go to these tables in turn. */
    tables: readonly string[];
    /** Starts every row id, so that phases and runs never share one. */
    idPrefix: string;
    /** A row of `table` with this id (the soak's id column and whatever else the table needs). */
    toRow(table: string, id: string, index: number): Record<string, unknown>;
    /** The host to send to; waits while it restarts. */
    hostUrl(): Promise<string>;
    senders: number;
    ratePerSecond: number;
    /** At most this many requests; fewer when `stop` says so first. */
    maxRequests: number;
    stop?: () => boolean;
    /** Every `largeEvery`-th request has `largeRows` rows; the others have `smallRows`. */
    largeEvery: number;
    smallRows: readonly [number, number];
    largeRows: readonly [number, number];
    /** Give up on an answer after this long (counted as noAnswer). */
    requestTimeoutMs?: number;
}

const between = ([low, high]: readonly [number, number]) => low + Math.floor(Math.random() * (high - low + 1));

/**
 * Mixed webhook traffic for a soak: mostly small requests, every so often a large one, each row with an id of its
 * own, sent through bench's sendRequests. A request is sent once and
 * never retried: one the host died under is `noAnswer`, and its rows may or may not arrive (once).
 */
export async function sendSoakTraffic(
    options: SoakTrafficOptions,
): Promise<{ requests: SoakRequest[]; send: SendResult }> {
    const requests: SoakRequest[] = [];
    const send = await sendRequests({
        count: options.maxRequests,
        senders: options.senders,
        ratePerSecond: options.ratePerSecond,
        ...(options.stop ? { stop: options.stop } : {}),
        send: async (index) => {
            const large = index % options.largeEvery === options.largeEvery - 1;
            const table = options.tables[index % options.tables.length]!;
            const ids = Array.from(
                { length: between(large ? options.largeRows : options.smallRows) },
                (_, row) => `${options.idPrefix}-${index}-${row}`,
            );
            const request: SoakRequest = { table, ids, status: 'noAnswer' };
            requests.push(request);
            const body = JSON.stringify({ rows: ids.map((id, row) => options.toRow(table, id, row)) });
            const url = await options.hostUrl();
            try {
                const response = await fetch(
                    `${url}/api/datasets/${encodeURIComponent(options.dataset)}/tables/${encodeURIComponent(table)}/rows`,
                    {
                        method: 'POST',
                        headers: { 'Content-Type': 'application/json' },
                        body,
                        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 60_000),
                    },
                );
                const answer = await response.text();
                request.status = response.status;
                if (response.status === 202) request.ingestionId = readIngestionId(answer);
            } catch {
                request.status = 'noAnswer';
            }
            return request.status === 202;
        },
    });
    return { requests, send };
}

function readIngestionId(answer: string): string | undefined {
    try {
        const { ingestionId } = JSON.parse(answer) as { ingestionId?: unknown };
        return typeof ingestionId === 'string' ? ingestionId : undefined;
    } catch {
        return undefined;
    }
}
