import { rowsQueueMessageSchema } from './rowsMessage';

/**
 * A poison queue message's body taken apart: the rows message (parsed) and the failure the relay attached to it
 * (sendPoison), which the message schema, being strict, does not take. The host's own poison copies have none. A
 * message a trigger could not read is kept whole as `raw` (readRowsQueueItem): it is read from there, so one that an
 * instance of an earlier version refused during a deploy can be replayed once the new version runs.
 */
export function splitPoisonBody(body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { failure: undefined, message: rowsQueueMessageSchema.safeParse(body) };
    const { failure, ...rest } = body as { failure?: unknown };
    const kept = Object.keys(rest).length === 1 && 'raw' in rest ? rest.raw : rest;
    return { failure, message: rowsQueueMessageSchema.safeParse(kept) };
}
