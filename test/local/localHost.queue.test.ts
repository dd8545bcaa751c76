import { QueueClient } from '@azure/storage-queue';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { waitFor } from '../support/waitFor';
import { fixtureAppRoot, fixtureEvents, startFixtureHost } from './fixtureApp';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const fixtureHostJson = JSON.parse(readFileSync(join(fixtureAppRoot, 'host.json'), 'utf8')) as {
    extensions: { queues: Record<string, unknown> };
};

function hostJsonWith(queues: Record<string, unknown>): object {
    return { ...fixtureHostJson, extensions: { queues: { ...fixtureHostJson.extensions.queues, ...queues } } };
}

const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('startLocalHost: queue triggers', () => {
    let azurite: RunningAzurite;
    let host: Awaited<ReturnType<typeof startFixtureHost>> | undefined;

    beforeAll(async () => {
        azurite = await startAzurite();
    });

    afterEach(async () => {
        await host?.close();
        host = undefined;
    });

    afterAll(async () => {
        await azurite?.stop();
    });

    function queue(name: string): QueueClient {
        return new QueueClient(azurite.connectionString, name);
    }

    function workEvents(
        marker: string,
    ): { message: Record<string, unknown>; triggerMetadata: Record<string, unknown> }[] {
        return fixtureEvents('work')
            .filter((e) => (e.message as { marker?: string } | undefined)?.marker === marker)
            .map((e) => e as never);
    }

    async function queueIsEmpty(client: QueueClient): Promise<boolean> {
        const properties = await client.getProperties();
        return properties.approximateMessagesCount === 0;
    }

    it('creates the trigger queue, passes the decoded JSON and camelCased metadata, then deletes the message', async () => {
        host = await startFixtureHost(azurite.connectionString);
        const work = queue(host.workQueue);
        expect(await work.exists()).toBe(true);

        const sent = await work.sendMessage(base64(JSON.stringify({ marker: 'json', value: 42 })));
        const [event] = await waitFor(() => workEvents('json').length === 1 && workEvents('json'));
        expect(event!.message).toEqual({ marker: 'json', value: 42 });
        expect(event!.triggerMetadata).toMatchObject({
            id: sent.messageId,
            dequeueCount: 1,
            queueTrigger: { marker: 'json', value: 42 },
            insertionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            expirationTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            nextVisibleTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
            popReceipt: expect.any(String),
        });
        await waitFor(() => queueIsEmpty(work), { description: 'the message to be deleted' });
    });

    it('passes a non-JSON message as a string', async () => {
        host = await startFixtureHost(azurite.connectionString);
        await queue(host.workQueue).sendMessage(base64('plain text, not JSON'));
        await waitFor(() => fixtureEvents('work').some((e) => e.message === 'plain text, not JSON'));
    });

    it('sends the output binding after the handler succeeds', async () => {
        host = await startFixtureHost(azurite.connectionString);
        const sent = await queue(host.workQueue).sendMessage(base64(JSON.stringify({ marker: 'output' })));
        const done = queue('work-done');
        const message = await waitFor(async () => {
            const { receivedMessageItems } = await done.receiveMessages({ numberOfMessages: 32 });
            return receivedMessageItems.find((m) =>
                Buffer.from(m.messageText, 'base64').toString().includes(sent.messageId),
            );
        });
        expect(JSON.parse(Buffer.from(message.messageText, 'base64').toString())).toEqual({ done: sent.messageId });
    });

    it('retries a failing message until maxDequeueCount, then moves it unchanged to <queue>-poison', async () => {
        host = await startFixtureHost(azurite.connectionString);
        const work = queue(host.workQueue);
        const text = base64(JSON.stringify({ marker: 'poison', fail: 'always' }));
        await work.sendMessage(text);

        const poison = queue(`${host.workQueue}-poison`);
        const poisoned = await waitFor(async () => {
            const { peekedMessageItems } = await poison.peekMessages().catch(() => ({ peekedMessageItems: [] }));
            return peekedMessageItems[0];
        });
        expect(poisoned.messageText).toBe(text);
        // host.json: maxDequeueCount 3, visibilityTimeout 0 (retried at once).
        expect(workEvents('poison').map((e) => e.triggerMetadata.dequeueCount)).toEqual([1, 2, 3]);
        await waitFor(() => queueIsEmpty(work));
        expect(host.logs).toContainEqual(
            expect.objectContaining({ level: 'warning', message: expect.stringContaining('MaxDequeueCount of 3') }),
        );
        expect(host.logs).toContainEqual(
            expect.objectContaining({
                level: 'error',
                functionName: 'work',
                message: expect.stringContaining('failing on purpose'),
            }),
        );
    });

    it('hides a failed message for visibilityTimeout before the retry', async () => {
        host = await startFixtureHost(azurite.connectionString, {}, hostJsonWith({ visibilityTimeout: '00:01:00' }));
        const work = queue(host.workQueue);
        await work.sendMessage(base64(JSON.stringify({ marker: 'invisible', fail: 'once' })));
        await waitFor(() => host!.logs.some((l) => l.level === 'error' && l.functionName === 'work'));
        await waitFor(async () => (await work.peekMessages()).peekedMessageItems.length === 0);
        expect((await work.getProperties()).approximateMessagesCount).toBe(1);
        expect(workEvents('invisible')).toHaveLength(1);
    });

    it('poisons a message that is not valid Base64 without invoking the function', async () => {
        host = await startFixtureHost(azurite.connectionString);
        await queue(host.workQueue).sendMessage('{"not":"base64"}');
        const poison = queue(`${host.workQueue}-poison`);
        const poisoned = await waitFor(async () => {
            const { peekedMessageItems } = await poison.peekMessages().catch(() => ({ peekedMessageItems: [] }));
            return peekedMessageItems[0];
        });
        expect(poisoned.messageText).toBe('{"not":"base64"}');
        expect(fixtureEvents('work').some((e) => (e.message as { not?: string })?.not === 'base64')).toBe(false);
    });

    it('reads and writes plain text with messageEncoding "none"', async () => {
        host = await startFixtureHost(azurite.connectionString, {}, hostJsonWith({ messageEncoding: 'none' }));
        const work = queue(host.workQueue);
        await work.sendMessage(JSON.stringify({ marker: 'none-poison', fail: 'always' }));
        const poison = queue(`${host.workQueue}-poison`);
        const poisoned = await waitFor(async () => {
            const { peekedMessageItems } = await poison.peekMessages().catch(() => ({ peekedMessageItems: [] }));
            return peekedMessageItems[0];
        });
        expect(poisoned.messageText).toBe(JSON.stringify({ marker: 'none-poison', fail: 'always' }));
        expect(workEvents('none-poison')[0]?.message).toEqual({ marker: 'none-poison', fail: 'always' });
    });

    it('logs at debug and goes on when the handler changed the pop receipt', async () => {
        host = await startFixtureHost(azurite.connectionString);
        await queue(host.workQueue).sendMessage(base64(JSON.stringify({ marker: 'touch', touch: true })));
        const log = await waitFor(() => host!.logs.find((l) => l.message.includes('pop receipt changed')));
        expect(log.level).toBe('debug');
        expect(host.logs.filter((l) => l.level === 'error')).toEqual([]);
    });

    it('processes at most batchSize messages at once when newBatchThreshold is 0', async () => {
        host = await startFixtureHost(
            azurite.connectionString,
            {},
            hostJsonWith({ batchSize: 2, newBatchThreshold: 0 }),
        );
        const work = queue(host.workQueue);
        for (let i = 0; i < 5; i++) {
            await work.sendMessage(base64(JSON.stringify({ marker: 'batch', delayMs: 150, i })));
        }
        await waitFor(() => queueIsEmpty(work), { description: 'all messages processed' });
        const events = fixtureEvents('work').filter((e) => (e.message as { marker?: string }).marker === 'batch');
        expect(events).toHaveLength(5);
        expect(maxConcurrency(events as unknown as { startedAt: number; finishedAt: number }[])).toBe(2);
    });

    it('fetches the next batch as soon as one invocation ends and newBatchThreshold is reached', async () => {
        // The back-off is a minute, so only the end of an invocation (as Task.WhenAny in the host) lets the host go on.
        host = await startFixtureHost(
            azurite.connectionString,
            {},
            hostJsonWith({ batchSize: 2, newBatchThreshold: 1, maxPollingInterval: '00:01:00' }),
        );
        const work = queue(host.workQueue);
        await work.sendMessage(base64(JSON.stringify({ marker: 'threshold', delayMs: 1500, i: 0 })));
        for (let i = 1; i < 4; i++) await work.sendMessage(base64(JSON.stringify({ marker: 'threshold', i })));
        await waitFor(() => queueIsEmpty(work), { description: 'all messages processed' });
        const events = fixtureEvents('work').filter((e) => (e.message as { marker?: string }).marker === 'threshold');
        const finished = (i: number) =>
            (events.find((e) => (e.message as { i: number }).i === i) as unknown as { finishedAt: number }).finishedAt;
        expect(events).toHaveLength(4);
        // The first two were received together; the last two went while the slow first one still ran.
        expect([finished(2), finished(3)].every((at) => at < finished(0))).toBe(true);
    });

    it('renews the lease of a message while its invocation runs longer than the lease', async () => {
        host = await startFixtureHost(azurite.connectionString, {}, undefined, undefined, 2);
        const work = queue(host.workQueue);
        await work.sendMessage(base64(JSON.stringify({ marker: 'long', delayMs: 5_000 })));
        await waitFor(() => queueIsEmpty(work), { description: 'the message to be deleted', timeoutMs: 15_000 });
        // Without renewals the message would be visible again after 2 s and invoked a second time.
        expect(workEvents('long').map((event) => event.triggerMetadata.dequeueCount)).toEqual([1]);
        expect(host.logs.filter((l) => l.level === 'error' || l.message.includes('Renewing'))).toEqual([]);
    });

    it('close() waits for the running invocation and its delete', async () => {
        host = await startFixtureHost(azurite.connectionString);
        const work = queue(host.workQueue);
        await work.sendMessage(base64(JSON.stringify({ marker: 'slow', delayMs: 400 })));
        await waitFor(() => workEvents('slow').length === 1);
        await host.close();
        host = undefined;
        expect((await work.getProperties()).approximateMessagesCount).toBe(0);
    });

    it('close() cancels the poll in progress when Storage is gone, instead of waiting out its retries', async () => {
        const gone = await startAzurite();
        host = await startFixtureHost(gone.connectionString);
        await gone.stop();
        // The Storage SDK retries a refused receive for about half a minute (4 tries, 4 s back-off doubling).
        await host.close();
        host = undefined;
    }, 10_000);
});

/** The largest number of invocations running at the same moment, from their recorded start and end times. */
function maxConcurrency(invocations: { startedAt: number; finishedAt: number }[]): number {
    return Math.max(
        ...invocations.map(
            (a) => invocations.filter((b) => b.startedAt <= a.startedAt && a.startedAt < b.finishedAt).length,
        ),
    );
}
