import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { describeZodError } from '../config/describeZodError';
import { countPoisoned } from '../telemetry/relayMetrics';
import { rowsQueueMessageSchema, type RowsQueueMessage } from './rowsMessage';
import type { RowsQueue } from './rowsQueue';

/**
 * A rows message as a queue trigger hands it over, checked: what is not a pbi-relay rows message goes to the queue's
 * poison queue at once (retrying cannot mend it), is counted and logged as `<logPrefix> poisoned`, and gives undefined.
 * Both sinks' triggers (pushRows, deliverEventhouse) read their queue through this.
 */
export async function readRowsQueueItem(
    queueItem: unknown,
    queue: Pick<RowsQueue, 'sendPoison'>,
    context: InvocationContext,
    logPrefix: string,
): Promise<RowsQueueMessage | undefined> {
    const parsed = rowsQueueMessageSchema.safeParse(queueItem);
    if (parsed.success) return parsed.data;
    const message = `Not a pbi-relay rows message: ${describeZodError(parsed.error, { root: '(message)' })}`;
    await queue.sendPoison({ raw: queueItem }, { message, at: new Date().toISOString() });
    countPoisoned({}, 'NotARowsMessage');
    context.error(`${logPrefix} poisoned`, { message });
    return undefined;
}

/** The host's count of deliveries of this message; unknown is taken as "delivered before", so the ledger is asked. */
export const toDequeueCount = (metadata: unknown) =>
    z.object({ dequeueCount: z.coerce.number().int().positive() }).safeParse(metadata).data?.dequeueCount ?? 2;
