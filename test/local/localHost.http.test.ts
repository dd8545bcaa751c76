import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { waitFor } from '../support/waitFor';
import { fixtureEvents, startFixtureHost, type FixtureHost } from './fixtureApp';

describe('startLocalHost: HTTP triggers', () => {
    let azurite: RunningAzurite;
    let host: FixtureHost & { rowsQueue: string };

    beforeAll(async () => {
        azurite = await startAzurite();
        host = await startFixtureHost(azurite.connectionString);
    });

    afterAll(async () => {
        await host?.close();
        await azurite?.stop();
    });

    it('lists the registered functions after running appStart hooks', () => {
        expect(fixtureEvents('appStart').length).toBeGreaterThan(0);
        expect(host.functions).toEqual(expect.arrayContaining(['addRows', 'hello', 'boom', 'work', 'rows', 'tick']));
        expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });

    it('passes route params, query, headers and body, and returns status, headers and a JSON body', async () => {
        const response = await fetch(`${host.url}/api/datasets/SalesMarketing/tables/Product/rows?x=1&y=2`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ rows: [{ ProductID: 1 }, { ProductID: 2 }] }),
        });
        expect(response.status).toBe(202);
        expect(response.headers.get('x-dataset')).toBe('SalesMarketing');
        expect(response.headers.get('content-type')).toBe('application/json');
        const body = (await response.json()) as Record<string, unknown>;
        expect(body).toMatchObject({
            dataset: 'SalesMarketing',
            table: 'Product',
            rows: 2,
            query: { x: '1', y: '2' },
            contentType: 'application/json',
        });
        expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('sends queue extraOutputs, one message per array element, Base64-encoded', async () => {
        const response = await fetch(`${host.url}/api/datasets/d/tables/t/rows`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ rows: [1, 2, 3].map((n) => ({ batch: 'extra-outputs', n })) }),
        });
        expect(response.status).toBe(202);
        // The fixture's `rows` queue trigger consumes them and sees the decoded JSON.
        const seen = await waitFor(() => {
            const messages = fixtureEvents('rows')
                .map((e) => e.message as { batch?: string })
                .filter((m) => m.batch === 'extra-outputs');
            return messages.length === 3 && messages;
        });
        expect(seen).toEqual(expect.arrayContaining([1, 2, 3].map((n) => ({ batch: 'extra-outputs', n }))));
    });

    it('matches routes case-insensitively and URL-decodes params', async () => {
        const response = await fetch(`${host.url}/API/Datasets/My%20Set/TABLES/t/rows`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ rows: [] }),
        });
        expect(await response.json()).toMatchObject({ dataset: 'My Set', table: 't' });
    });

    it('uses the function name as the default route and returns a string body', async () => {
        const response = await fetch(`${host.url}/api/hello?name=Ada`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await response.text()).toBe('Hello, Ada');
    });

    it('prefers a constrained parameter route over an unconstrained one', async () => {
        expect(await (await fetch(`${host.url}/api/items/42`)).json()).toEqual({ id: '42', kind: 'int' });
        expect(await (await fetch(`${host.url}/api/items/abc`)).json()).toEqual({ name: 'abc', kind: 'name' });
    });

    it('passes request bytes through and returns bytes', async () => {
        const response = await fetch(`${host.url}/api/echoBytes`, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: new Uint8Array([0, 1, 2, 255]),
        });
        expect(response.headers.get('content-type')).toBe('application/octet-stream');
        expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([255, 2, 1, 0]);
    });

    it('answers 204 when the handler returns nothing', async () => {
        const response = await fetch(`${host.url}/api/nothing`);
        expect(response.status).toBe(204);
    });

    it('serialises cookies into Set-Cookie', async () => {
        const response = await fetch(`${host.url}/api/cookie`);
        expect(response.headers.get('set-cookie')).toBe('session=a%20b; Path=/; HttpOnly');
    });

    it('answers 404 for an unknown route, a method the function does not accept, or outside the prefix', async () => {
        expect((await fetch(`${host.url}/api/nope`)).status).toBe(404);
        expect((await fetch(`${host.url}/api/hello`, { method: 'DELETE' })).status).toBe(404);
        expect((await fetch(`${host.url}/hello`)).status).toBe(404);
    });

    it('answers 200 at the root so callers can wait for readiness', async () => {
        expect((await fetch(`${host.url}/`)).status).toBe(200);
    });

    it('turns a handler error into a generic 500 and logs the error', async () => {
        const response = await fetch(`${host.url}/api/boom`);
        expect(response.status).toBe(500);
        const text = await response.text();
        expect(text).toBe('Internal Server Error');
        expect(text).not.toContain('secret');
        const failure = host.logs.find(
            (l) => l.functionName === 'boom' && l.level === 'error' && l.category === 'host',
        );
        expect(failure?.message).toContain('secret failure detail');
        expect(host.logs).toContainEqual(
            expect.objectContaining({
                functionName: 'boom',
                category: 'user',
                level: 'error',
                message: 'about to fail',
            }),
        );
    });

    it('runs preInvocation and postInvocation hooks around the handler', async () => {
        const response = await fetch(`${host.url}/api/hooked`);
        expect(await response.json()).toEqual({ result: { input: 'replaced by preInvocation' }, postInvocation: true });
    });

    it('routes context.log levels to the logger with function name and invocation id', async () => {
        const invocationId = await (await fetch(`${host.url}/api/logging`)).text();
        const userLogs = host.logs.filter((l) => l.invocationId === invocationId && l.category === 'user');
        expect(userLogs.map((l) => [l.level, l.message])).toEqual([
            ['information', 'log'],
            ['trace', 'trace'],
            ['debug', 'debug'],
            ['information', 'info'],
            ['warning', 'warn'],
            ['error', 'error'],
        ]);
        expect(userLogs.every((l) => l.functionName === 'logging')).toBe(true);
    });

    it('creates the queues its output bindings write to', async () => {
        const queue = new QueueClient(azurite.connectionString, host.rowsQueue);
        expect(await queue.exists()).toBe(true);
    });
});
