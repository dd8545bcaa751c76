import { z } from 'zod';
import { alertMessageSchema } from './alertMessage';
import { pollMessageSchema } from './pollMessage';

/** What REFRESH_QUEUE carries: status checks of running refreshes and alerts being delivered. */
export const refreshQueueMessageSchema = z.discriminatedUnion('kind', [pollMessageSchema, alertMessageSchema]);

export type RefreshQueueMessage = z.infer<typeof refreshQueueMessageSchema>;
