import { QueueServiceClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { useAzurite } from '../support/useAzurite';
import { emptyPoisonedIds, takePoisonedIds } from '../../scripts/soak/takePoisonedIds';
import { toQueueText } from '../../src/queue/rowsMessage';
import { createRowsQueue } from '../../src/queue/rowsQueue';
import { productMessage } from '../integration/relayTestBed';

const azurite = useAzurite();

describe("a soak's count of poisoned rows", () => {
    it("reads the relay's poison messages (with their failure) and the host's copies; only others are unreadable", async () => {
        const queueService = QueueServiceClient.fromConnectionString(azurite.current.connectionString);
        const rows = createRowsQueue(queueService, 'soak-poison');
        await rows.sendPoison(
            productMessage([
                { ProductID: 1, Name: 'a' },
                { ProductID: 2, Name: 'b' },
            ]),
            {
                status: 400,
                code: 'InvalidRequest',
                message: 'bad row',
                at: new Date().toISOString(),
            },
        );
        const poison = queueService.getQueueClient(rows.poisonName);
        // The Functions host's own copy after maxDequeueCount: the message as it was, no failure.
        await poison.sendMessage(toQueueText(productMessage([{ ProductID: 3, Name: 'c' }])));
        await poison.sendMessage(toQueueText({ not: 'a rows message' }));

        const taken = emptyPoisonedIds();
        await takePoisonedIds(
            azurite.current.connectionString,
            { rowsQueue: 'soak-poison', rowsContainer: 'soak-poison-rows', idColumn: 'ProductID' },
            taken,
        );
        expect(taken.byTable.get('Product')).toEqual(new Set(['1', '2', '3']));
        expect(taken.unreadable).toBe(1);
        expect(taken.reasons).toEqual(
            new Map([
                ['400 InvalidRequest: bad row', 2],
                ['no reason attached', 1],
            ]),
        );
        expect((await poison.getProperties()).approximateMessagesCount).toBe(0);
    });
});
