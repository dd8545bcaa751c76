import type { RowsQueue } from '../../src/queue/rowsQueue';

/**
 * `deps` whose queue stores every message and then fails as a send does whose connection drops before Storage's
 * answer arrives: the message is enqueued, and the sender is not told so.
 */
export function withUnconfirmedSends<T extends { queue: RowsQueue }>(deps: T): T {
    const { queue } = deps;
    return {
        ...deps,
        queue: {
            ...queue,
            sendText: async (text: string) => {
                await queue.sendText(text);
                throw new Error('socket hang up');
            },
        },
    };
}
