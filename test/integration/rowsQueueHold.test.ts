import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { createRowsQueue } from '../../src/queue/rowsQueue';
import { waitFor } from '../support/waitFor';
import { productMessage } from './relayTestBed';

let azurite: RunningAzurite;
let queueService: QueueServiceClient;
beforeAll(async () => {
    azurite = await startAzurite();
    queueService = QueueServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => {
    await azurite?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const visible = async (name: string) =>
    (await queueService.getQueueClient(name).peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;

describe('messages the relay holds (packed companions)', () => {
    it('stay hidden past their lease while held, and are deleted with the pop receipt of the last renewal', async () => {
        const rows = createRowsQueue(queueService, 'hold-renewed');
        await rows.send(productMessage([{ ProductID: 1, Name: 'a' }]));
        const [held] = await rows.receive(1, 2, 60);
        await sleep(4_500);
        expect(await visible('hold-renewed')).toBe(0);
        await held!.complete();
        expect((await queueService.getQueueClient('hold-renewed').getProperties()).approximateMessagesCount).toBe(0);
    });

    it('come back within one lease once the hold ends, as when the instance holding them dies', async () => {
        // A 300 s visibility without renewal kept a crashed instance's companions out of the queue for five minutes.
        const rows = createRowsQueue(queueService, 'hold-ended');
        await rows.send(productMessage([{ ProductID: 2, Name: 'b' }]));
        const [held] = await rows.receive(1, 2, 1);
        expect(held).toBeDefined();
        await waitFor(async () => (await visible('hold-ended')) === 1, {
            description: 'the message to be visible again',
            timeoutMs: 6_000,
        });
    });
});
