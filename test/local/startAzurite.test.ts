import { existsSync } from 'node:fs';
import { QueueClient } from '@azure/storage-queue';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../local/startAzurite';

describe('startAzurite', () => {
    it('keeps a disk Azurite in a temporary folder of its own and removes it when stopped', async () => {
        const azurite = await startAzurite({ persistence: 'disk' });
        const location = azurite.location;
        try {
            expect(location).toBeDefined();
            expect(existsSync(location!)).toBe(true);
            const queue = new QueueClient(azurite.connectionString, 'disk-check');
            await queue.create();
            await queue.sendMessage('first');
            await queue.sendMessage('second');
            const received = await queue.receiveMessages({ numberOfMessages: 2 });
            expect(received.receivedMessageItems.map((m) => m.messageText).sort()).toEqual(['first', 'second']);
        } finally {
            await azurite.stop();
        }
        expect(existsSync(location!)).toBe(false);
    });
});
