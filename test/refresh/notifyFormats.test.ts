import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshNotifier, type RefreshAlert } from '../../src/refresh/notifyRefresh';
import type { RefreshRecord } from '../../src/refresh/refreshRecord';

const posts: unknown[] = [];
const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
        posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.end();
    });
});
let url = '';
beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const failed: RefreshRecord = {
    id: 'sales~98217000000000-abcdef',
    target: 'sales',
    rowKey: '98217000000000-abcdef',
    workspaceId: '11111111-2222-3333-4444-555555555555',
    datasetId: '66666666-7777-8888-9999-000000000000',
    trigger: 'timer',
    requestedBy: 'timer',
    requestId: 'r-1',
    status: 'Failed',
    requestedAt: '2027-01-01T06:00:00.000Z',
    deadline: '2027-01-01T11:15:00.000Z',
    durationSeconds: 125,
    startAttempts: 1,
    polls: 3,
    messages: [{ code: 'DMTS_DatasourceHasNoCredentialError', message: 'Credentials are missing', type: 'Error' }],
};

const failedAlert: RefreshAlert = {
    kind: 'outcome',
    alertId: `${failed.id}:Failed`,
    target: 'sales',
    record: failed,
    raisedAt: '2027-01-01T06:02:10.000Z',
};

describe('webhook payload formats', () => {
    it('posts an Adaptive Card in the shape a Teams Workflows webhook takes, with the stable alert id', async () => {
        expect(await createRefreshNotifier(url, { format: 'teams' }).notify(failedAlert)).toEqual({ sent: true });
        expect(posts.at(-1)).toMatchObject({
            type: 'message',
            attachments: [
                {
                    contentType: 'application/vnd.microsoft.card.adaptive',
                    content: {
                        type: 'AdaptiveCard',
                        version: '1.4',
                        body: [
                            { type: 'TextBlock', text: 'Power BI refresh of sales: Failed', color: 'Attention' },
                            { type: 'TextBlock', text: 'DMTS_DatasourceHasNoCredentialError: Credentials are missing' },
                            {
                                type: 'FactSet',
                                facts: expect.arrayContaining([
                                    { title: 'Duration', value: '2m 5s' },
                                    { title: 'Alert id', value: 'sales~98217000000000-abcdef:Failed' },
                                ]),
                            },
                        ],
                    },
                },
            ],
        });
    });

    it('posts Slack blocks with a text fallback, and the relay JSON by default', async () => {
        await createRefreshNotifier(url, { format: 'slack' }).notify(failedAlert);
        expect(posts.at(-1)).toEqual({
            text: 'Power BI refresh of sales ended Failed after 2m 5s.',
            blocks: [
                {
                    type: 'section',
                    text: {
                        type: 'mrkdwn',
                        text: '*Power BI refresh of sales: Failed* after 2m 5s\n• DMTS_DatasourceHasNoCredentialError: Credentials are missing',
                    },
                },
                {
                    type: 'context',
                    elements: [
                        {
                            type: 'mrkdwn',
                            text: 'tracking id sales~98217000000000-abcdef · request id r-1 · alert id sales~98217000000000-abcdef:Failed',
                        },
                    ],
                },
            ],
        });
        await createRefreshNotifier(url).notify(failedAlert);
        expect(posts.at(-1)).toMatchObject({
            alertId: 'sales~98217000000000-abcdef:Failed',
            dataset: 'sales',
            status: 'Failed',
        });
    });

    it('says since when a stale target has not refreshed, in every format, with its alert id', async () => {
        const stale: RefreshAlert = {
            kind: 'stale',
            alertId: 'sales:stale:2027-01-01T06:02:05.000Z',
            target: 'sales',
            staleSince: '2027-01-01T06:02:05.000Z',
            maxAgeSeconds: 26 * 3600,
            raisedAt: '2027-01-02T08:03:00.000Z',
        };
        await createRefreshNotifier(url).notify(stale);
        expect(posts.at(-1)).toMatchObject({
            alertId: stale.alertId,
            kind: 'stale',
            dataset: 'sales',
            staleSince: stale.staleSince,
            text: 'Power BI model sales has not refreshed successfully since 2027-01-01T06:02:05.000Z (maxAge 26h 0m 0s).',
        });
        await createRefreshNotifier(url, { format: 'slack' }).notify(stale);
        expect(JSON.stringify(posts.at(-1))).toContain('alert id sales:stale:2027-01-01T06:02:05.000Z');
        await createRefreshNotifier(url, { format: 'teams' }).notify(stale);
        expect(JSON.stringify(posts.at(-1))).toContain('no successful refresh for too long');
    });

    it('says how long a slow refresh has run against its usual duration', async () => {
        const running: RefreshRecord = { ...failed, status: 'Running', durationSeconds: undefined };
        await createRefreshNotifier(url).notify({
            kind: 'slow',
            alertId: `${failed.id}:slow`,
            target: 'sales',
            record: running,
            usualSeconds: 600,
            runningSeconds: 1900,
            raisedAt: '2027-01-01T06:32:00.000Z',
        });
        expect(posts.at(-1)).toMatchObject({
            kind: 'slow',
            alertId: `${failed.id}:slow`,
            status: 'Running',
            text: expect.stringMatching(/^Power BI refresh of sales has been running 31m 40s, usually 10m 0s\./),
        });
    });
});
