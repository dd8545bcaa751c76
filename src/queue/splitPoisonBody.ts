import { rowsQueueMessageSchema } from './rowsMessage';

/**
 * A poison queue message's body taken apart: the rows message (parsed) and the failure the relay attached to it
 * (sendPoison), which the message schema, being strict, does not take. The host's own poison copies have none.
 */
export function splitPoisonBody(body: unknown) {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { failure: undefined, message: rowsQueueMessageSchema.safeParse(body) };
    const { failure, ...rest } = body as { failure?: unknown };
    return { failure, message: rowsQueueMessageSchema.safeParse(rest) };
}
