import { z } from 'zod';
import { alertMessageSchema } from './alertMessage';
import { pollMessageSchema } from './pollMessage';
import { restartMessageSchema } from './restartMessage';

/** What REFRESH_QUEUE carries: status checks of running refreshes, alerts being delivered and restarts of dropped refreshes. */
export const refreshQueueMessageSchema = z.discriminatedUnion('kind', [
    pollMessageSchema,
    alertMessageSchema,
    restartMessageSchema,
]);

export type RefreshQueueMessage = z.infer<typeof refreshQueueMessageSchema>;
