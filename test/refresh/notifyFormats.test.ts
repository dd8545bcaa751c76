import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRefreshNotifier } from '../../src/refresh/notifyRefresh';
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

describe('webhook payload formats', () => {
    it('posts an Adaptive Card in the shape a Teams Workflows webhook takes, with the stable alert id', async () => {
        expect(await createRefreshNotifier(url, { format: 'teams' }).notify(failed)).toEqual({ sent: true });
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
        await createRefreshNotifier(url, { format: 'slack' }).notify(failed);
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
        await createRefreshNotifier(url).notify(failed);
        expect(posts.at(-1)).toMatchObject({
            alertId: 'sales~98217000000000-abcdef:Failed',
            dataset: 'sales',
            status: 'Failed',
        });
    });
});
