import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionKeys } from '../../local/host/functionKeys';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { inputCorpus, sendCase, type CaseAnswer, type InputCase } from '../../scripts/inputCorpus';
import { waitFor } from '../support/waitFor';

/**
 * Two local hosts enforcing access keys, sharing Azurite and the emulator as `npm start -- --instances 2 --keys FILE`
 * runs them: a corpus of bad and edge-case requests, idempotency keys raced over both hosts, the sender's key on the
 * operator routes, and what the routes answer once Storage is gone.
 */
const root = join(__dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-inputs-'));
const maxBodyBytes = 256 * 1024;
const secretOf = (text: string) => `whsec_${Buffer.from(text.padEnd(32, '.')).toString('base64')}`;
const senderSecret = secretOf('the sender, rotated in');
const oldSenderSecret = secretOf('the sender, before');
const keys: FunctionKeys = {
    masterKey: 'master-key-0123456789abcdef',
    hostKeys: { operators: 'operator-key-0123456789abcdef' },
    functionKeys: {
        ingestRows: { erp: 'sender-key-0123456789abcdef' },
        ingestSource: { erp: 'sender-key-0123456789abcdef' },
    },
};
const senderKey = keys.functionKeys.ingestRows!.erp!;
const operatorKey = keys.hostKeys.operators!;

let local: LocalRelay;
beforeAll(async () => {
    const config = JSON.parse(readFileSync(join(root, 'pbi-relay.config.json'), 'utf8')) as {
        datasets: { name: string; signedBy?: string[] }[];
    };
    const signed = { ...structuredClone(config.datasets[0]!), name: 'SignedSales', signedBy: ['erp'] };
    const configPath = join(temp, 'inputs.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            ...config,
            $schema: undefined,
            datasets: [...config.datasets, signed],
            webhookSenders: [{ name: 'erp', secretSettings: ['ERP_WEBHOOK_SECRET_OLD', 'ERP_WEBHOOK_SECRET'] }],
        }),
    );
    local = await startRelayLocally({
        appRoot: root,
        instances: 2,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        configPath,
        keys,
        settings: {
            INGEST_MAX_BODY_BYTES: String(maxBodyBytes),
            ERP_WEBHOOK_SECRET_OLD: oldSenderSecret,
            ERP_WEBHOOK_SECRET: senderSecret,
            PUSH_MAX_SLOT_WAIT_MS: '1000',
        },
        logger: () => undefined,
    });
});
afterAll(async () => {
    await local?.close();
    rmSync(temp, { recursive: true, force: true });
});

/** Rows in the emulator per Name, over the plain and the signed dataset. */
async function rowsByName(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const dataset of await local.emulator.datasets()) {
        for (const table of dataset.tables) {
            for (const row of table.rows ?? []) {
                const name = String(row.Name);
                counts.set(name, (counts.get(name) ?? 0) + 1);
            }
        }
    }
    return counts;
}

const queueDepth = async (name: string) => {
    const queue = new QueueClient(local.azurite.connectionString, name);
    return (await queue.exists()) ? ((await queue.getProperties()).approximateMessagesCount ?? 0) : 0;
};

const hostUrl = (k: number) => local.hosts[k]!.url;
const product = (name: string) => ({ ProductID: 1, Name: name });
const postRows = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/api/datasets/SalesMarketing/tables/Product/rows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-functions-key': senderKey, ...headers },
        body,
    });

/** Rows each marker should have in Power BI once everything accepted is delivered. */
const expected = new Map<string, number>();

describe('a corpus of bad and edge-case requests', () => {
    const corpus = (): InputCase[] =>
        inputCorpus({
            maxBodyBytes,
            senderKey,
            senderSecret,
            strangerSecret: secretOf('someone else'),
            signedDataset: 'SignedSales',
            scale: 1,
            hugeBodyBytes: 64 * 1024 * 1024,
        });

    it('answers each case 4xx or 202 as expected, never 5xx, with a small body that names no host', async () => {
        const cases = corpus();
        expect(cases.length).toBeGreaterThanOrEqual(80);
        const answers: (CaseAnswer & { input: InputCase })[] = [];
        // A few at a time over both hosts, as senders would.
        for (let first = 0; first < cases.length; first += 8) {
            const batch = cases.slice(first, first + 8);
            answers.push(
                ...(await Promise.all(
                    batch.map(async (input, i) => ({ input, ...(await sendCase(hostUrl((first + i) % 2), input)) })),
                )),
            );
        }
        const unexpected = answers
            .filter((a) => !a.input.expect.includes(a.status))
            .map((a) => ({ case: a.input.name, status: a.status, body: a.body.slice(0, 200) }));
        expect(unexpected).toEqual([]);
        expect(answers.filter((a) => a.status >= 500)).toEqual([]);
        expect(answers.filter((a) => a.body.length > 65_536).map((a) => a.input.name)).toEqual([]);
        expect(answers.filter((a) => /127\.0\.0\.1|localhost/.test(a.body)).map((a) => a.input.name)).toEqual([]);
        for (const a of answers) expected.set(a.input.marker, a.status === 202 ? a.input.rows : 0);
        const listed = answers.find((a) => a.input.name === '1,000 bad rows with long unknown names')!;
        expect(JSON.parse(listed.body)).toMatchObject({
            error: { invalidRows: 1000, rowErrors: expect.any(Array), rowErrorsNotListed: 900 },
        });
    });

    it('delivers the accepted rows once each and nothing of a refused request', async () => {
        const wanted = [...expected].filter(([, rows]) => rows > 0);
        expect(wanted.length).toBeGreaterThan(5);
        const counts = await waitFor(
            async () => {
                const now = await rowsByName();
                return wanted.every(([marker, rows]) => (now.get(marker) ?? 0) >= rows) && now;
            },
            { timeoutMs: 30_000, description: 'the accepted rows in Power BI' },
        );
        const wrong = [...expected].filter(([marker, rows]) => (counts.get(marker) ?? 0) !== rows);
        expect(wrong).toEqual([]);
        expect(await queueDepth(`${local.settings.ROWS_QUEUE}-poison`)).toBe(0);
    });
});

describe('idempotency keys', () => {
    it('commits a key once when both hosts get the same request at the same moment', async () => {
        const names = Array.from({ length: 8 }, (_, i) => `raced-${i}`);
        const answers = await Promise.all(
            names.flatMap((name) => {
                const body = JSON.stringify({ rows: [product(name), product(name)] });
                const headers = { 'idempotency-key': `key-${name}` };
                return [postRows(hostUrl(0), body, headers), postRows(hostUrl(1), body, headers)];
            }),
        );
        const statuses = answers.map((a) => a.status);
        expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
        expect(answers.filter((a) => a.status === 409).every((a) => a.headers.get('retry-after') !== null)).toBe(true);
        const counts = await waitFor(
            async () => {
                const now = await rowsByName();
                return names.every((name) => now.get(name) === 2) && now;
            },
            { timeoutMs: 30_000, description: 'the raced rows in Power BI' },
        );
        expect(names.map((name) => counts.get(name))).toEqual(names.map(() => 2));
    });

    it('answers a retry the first 202 again, a reused key with another body 422', async () => {
        const body = JSON.stringify({ rows: [product('retried')] });
        const first = await postRows(hostUrl(0), body, { 'idempotency-key': 'retry-1' });
        const again = await postRows(hostUrl(1), body, { 'idempotency-key': 'retry-1' });
        expect(first.status).toBe(202);
        expect(again.status).toBe(202);
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(await again.json()).toEqual(await first.json());
        const reused = await postRows(hostUrl(0), JSON.stringify({ rows: [product('other')] }), {
            'idempotency-key': 'retry-1',
        });
        expect(reused.status).toBe(422);
        await waitFor(async () => (await rowsByName()).get('retried') === 1, { timeoutMs: 30_000 });
        expect((await rowsByName()).get('other')).toBeUndefined();
    });

    it('takes a signed webhook-id once, verified by either of the rotated secrets', async () => {
        const send = async (secret: string, id: string, name: string) => {
            const body = JSON.stringify({ rows: [product(name)] });
            const at = new Date();
            return fetch(`${hostUrl(1)}/api/datasets/SignedSales/tables/Product/rows`, {
                method: 'POST',
                headers: {
                    'content-type': 'application/json',
                    'x-functions-key': senderKey,
                    'webhook-id': id,
                    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
                    'webhook-signature': new Webhook(secret).sign(id, at, body),
                },
                body,
            });
        };
        expect((await send(oldSenderSecret, 'msg_1', 'signed-old')).status).toBe(202);
        expect((await send(senderSecret, 'msg_1', 'signed-old')).status).toBe(202);
        expect((await send(senderSecret, 'msg_2', 'signed-new')).status).toBe(202);
        await waitFor(
            async () => {
                const now = await rowsByName();
                return now.get('signed-old') === 1 && now.get('signed-new') === 1;
            },
            { timeoutMs: 30_000 },
        );
    });
});

describe('separate credentials for senders and operators', () => {
    const call = (method: string, path: string, key?: string) =>
        fetch(`${hostUrl(0)}${path}`, {
            method,
            headers: { 'content-type': 'application/json', ...(key ? { 'x-functions-key': key } : {}) },
            ...(method === 'POST' ? { body: JSON.stringify({ target: 'demo' }) } : {}),
        });

    it.each([
        ['POST', '/api/refreshes'],
        ['GET', '/api/refreshes'],
        ['GET', '/api/refreshes/some-id'],
        ['GET', '/api/refresh-targets'],
    ])("refuses the sender's key on %s %s", async (method, path) => {
        expect((await call(method, path, senderKey)).status).toBe(401);
        expect((await call(method, path)).status).toBe(401);
    });

    it("opens the operator routes with the operator's host key, and ?code= works like the header", async () => {
        expect((await call('GET', '/api/refresh-targets', operatorKey)).status).toBe(200);
        expect((await call('GET', `/api/refreshes?code=${operatorKey}`)).status).toBe(200);
        expect((await call('GET', `/api/refreshes?code=${senderKey}`)).status).toBe(401);
    });
});

describe('when Storage is gone', () => {
    it('answers 503 with Retry-After on the ingest and refresh routes, naming no host', async () => {
        await local.azurite.stop();
        // At once: each waits out the Storage SDK's own retries before it answers.
        const answers = await Promise.all([
            postRows(hostUrl(0), JSON.stringify({ rows: [product('no storage')] })),
            postRows(hostUrl(1), JSON.stringify({ rows: [product('no storage')] }), {
                'idempotency-key': 'no-storage',
            }),
            call503('GET', '/api/refreshes'),
            call503('POST', '/api/refreshes'),
        ]);
        for (const answer of answers) {
            const text = await answer.text();
            expect({ status: answer.status, retryAfter: answer.headers.get('retry-after') }).toEqual({
                status: 503,
                retryAfter: expect.any(String),
            });
            expect(text).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}/);
        }
    });

    const call503 = (method: string, path: string) =>
        fetch(`${hostUrl(1)}${path}`, {
            method,
            headers: { 'content-type': 'application/json', 'x-functions-key': operatorKey },
            ...(method === 'POST' ? { body: JSON.stringify({ target: 'demo' }) } : {}),
        });
});
