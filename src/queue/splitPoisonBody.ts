/**
 * A poison queue message's body taken apart: the rows message and the failure the relay attached to it (sendPoison),
 * which the message schema, being strict, does not take. The host's own poison copies have none. A message a trigger
 * could not read is kept whole as `raw` (readRowsQueueItem): it is taken from there, so one that an instance of an
 * earlier version refused during a deploy can be shown and replayed once the new version runs.
 * `countedPoisoned`: the relay poisoned the rows message itself and counted its rows as poisoned for the status page
 * (neither a host copy nor a `raw` one was counted), so a replay counts them as replayed.
 */
export function splitPoisonBody(body: unknown): { failure: unknown; message: unknown; countedPoisoned: boolean } {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { failure: undefined, message: body, countedPoisoned: false };
    const { failure, ...rest } = body as { failure?: unknown };
    const raw = Object.keys(rest).length === 1 && 'raw' in rest;
    return { failure, message: raw ? rest.raw : rest, countedPoisoned: failure !== undefined && !raw };
}
