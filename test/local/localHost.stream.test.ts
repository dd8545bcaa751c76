import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local/host/startLocalHost';

describe('startLocalHost: app.setup({ enableHttpStream: true })', () => {
    let host: LocalHost;

    beforeAll(async () => {
        host = await startLocalHost({
            appRoot: join(__dirname, 'fixtures', 'stream-app'),
            settings: {},
            port: 0,
            hostJson: {},
            logger: () => undefined,
        });
    });

    afterAll(async () => {
        await host?.close();
    });

    it('streams the request body to the handler through the library proxy', async () => {
        const response = await fetch(`${host.url}/api/upload/report.csv?q=1`, {
            method: 'POST',
            body: 'x'.repeat(100_000),
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ name: 'report.csv', bytes: 100_000, query: '1' });
    });

    it('streams a response body back', async () => {
        const response = await fetch(`${host.url}/api/download`);
        expect(await response.text()).toBe('abc');
    });

    it('answers 500 when a streaming handler throws', async () => {
        const response = await fetch(`${host.url}/api/fails`);
        expect(response.status).toBe(500);
    });
});
