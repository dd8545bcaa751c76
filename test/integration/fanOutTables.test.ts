import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitRows } from '../../src/ingest/commitRows';
import { deliverRows } from '../../src/push/deliverRows';
import { fanOutTables, toTableMessages } from '../../src/push/fanOutTables';
import { replayPoison } from '../../src/push/replayPoison';
import {
    fromQueueText,
    rowsMessageSchema,
    rowsQueueMessageSchema,
    toQueueText,
    type TablesMessage,
} from '../../src/queue/rowsMessage';
import type { RowsQueue } from '../../src/queue/rowsQueue';
import type { Relay } from '../../src/runtime/relay';
import { createStorageClients } from '../../src/storage/storageClients';
import { startRelayTestBed, type RelayTestBed } from './relayTestBed';

/** The shipped GitHub dataset: Commits and Pushes. */
const root = join(__dirname, '..', '..');
const shipped = JSON.parse(readFileSync(join(root, 'pbi-relay.config.json'), 'utf8')) as {
    datasets: { name: string }[];
};
const config = { datasets: shipped.datasets.filter((dataset) => dataset.name === 'GitHub') };

let bed: RelayTestBed;
beforeAll(async () => {
    bed = await startRelayTestBed();
});
afterAll(async () => {
    await bed?.close();
});

const commit = (id: number, message = `Commit ${id}`) => ({
    Repository: 'Codertocat/Hello-World',
    CommitId: id.toString(16).padStart(40, '0'),
    Message: message,
});
const push = { DeliveryId: 'd-1', Repository: 'Codertocat/Hello-World', Commits: 2 };

/** A relay on a fresh workspace, and the version 2 message its ingest queued for Commits and Pushes rows. */
async function committed(commits: Record<string, unknown>[]) {
    const { relay, workspaceId } = await bed.newRelay({}, config);
    const dataset = relay.config.datasets[0]!;
    const [commitsTable, pushesTable] = dataset.tables;
    const outcome = await commitRows(
        dataset,
        [
            { table: commitsTable!, rows: commits },
            { table: pushesTable!, rows: [push] },
        ],
        relay.sources,
    );
    expect(outcome).toMatchObject({ kind: 'accepted', rows: commits.length + 1 });
    const [parent] = await bed.drain(relay.settings.ROWS_QUEUE);
    return { relay, workspaceId, parent: rowsQueueMessageSchema.parse(parent) as TablesMessage };
}

/** Delivers every queued message as the push function would, each on its first delivery. */
async function deliverQueued(relay: Relay) {
    const reports = [];
    for (const body of await bed.drain(relay.settings.ROWS_QUEUE)) {
        const message = rowsMessageSchema.parse(body);
        reports.push(await deliverRows(message, { ...relay.deliver, packMessages: 0 }, { dequeueCount: 1 }));
    }
    return reports;
}

async function tableRows(workspaceId: string) {
    const dataset = (await bed.emulator.datasets()).find((d) => d.workspaceId === workspaceId && d.name === 'GitHub');
    return Object.fromEntries((dataset?.tables ?? []).map((table) => [table.name, table.rows ?? []]));
}

describe('a several-table ingestion fanned out into one message per table', () => {
    it('gives each table a child with the id <ingestionId>.<i>, marked so that the ledger is asked', async () => {
        const { relay, parent } = await committed([commit(1), commit(2)]);
        const children = await fanOutTables(parent, relay.deliver.queue);
        expect(children).toEqual([
            expect.objectContaining({ ingestionId: `${parent.ingestionId}.0`, table: 'Commits', rowCount: 2 }),
            expect.objectContaining({ ingestionId: `${parent.ingestionId}.1`, table: 'Pushes', rowCount: 1 }),
        ]);
        const queued = (await bed.drain(relay.settings.ROWS_QUEUE)).map((body) => rowsMessageSchema.parse(body));
        expect(queued).toEqual(children);
        expect(queued.every((child) => child.version === 1 && child.requeued === true)).toBe(true);
    });

    it('pushes every row once when the fan-out is repeated (the parent received again after a crash)', async () => {
        const { relay, workspaceId, parent } = await committed([commit(1), commit(2)]);
        await fanOutTables(parent, relay.deliver.queue);
        await fanOutTables(parent, relay.deliver.queue);
        const reports = await deliverQueued(relay);
        expect(reports.map((report) => [report.rowsPushed, report.skippedParts])).toEqual(
            expect.arrayContaining([
                [2, 0],
                [1, 0],
                [0, 1],
                [0, 1],
            ]),
        );
        const rows = await tableRows(workspaceId);
        expect(rows.Commits?.map((row) => row.Message)).toEqual(['Commit 1', 'Commit 2']);
        expect(rows.Pushes).toEqual([expect.objectContaining(push)]);
    });

    it('loses and doubles nothing when the fan-out failed after sending some children', async () => {
        const { relay, workspaceId, parent } = await committed([commit(1), commit(2)]);
        let sends = 0;
        const failing: RowsQueue = {
            ...relay.deliver.queue,
            async send(message, delaySeconds) {
                sends += 1;
                if (sends === 2) throw new Error('Storage went away');
                await relay.deliver.queue.send(message, delaySeconds);
            },
        };
        await expect(fanOutTables(parent, failing)).rejects.toThrow('Storage went away');
        // The first child is delivered before the host hands the parent out again.
        const early = await deliverQueued(relay);
        expect(early.map((report) => report.rowsPushed)).toEqual([2]);
        await fanOutTables(parent, relay.deliver.queue);
        const late = await deliverQueued(relay);
        expect(late.map((report) => report.rowsPushed).sort()).toEqual([0, 1]);
        const rows = await tableRows(workspaceId);
        expect([rows.Commits?.length, rows.Pushes?.length]).toEqual([2, 1]);
    });

    it('keeps a claim-check table in its blob until its child is pushed; a repeated child skips without it', async () => {
        const commits = Array.from({ length: 400 }, (_, i) => commit(i, `Commit ${i} `.padEnd(200, '.')));
        const { relay, workspaceId, parent } = await committed(commits);
        expect(parent.tables.map((entry) => entry.blob ?? 'inline')).toEqual([
            `${parent.ingestionId}.0.json`,
            'inline',
        ]);
        const [commitsChild] = await fanOutTables(parent, relay.deliver.queue);
        expect(commitsChild).toMatchObject({ blob: `${parent.ingestionId}.0.json`, rowCount: 400 });
        expect((await deliverQueued(relay)).map((report) => report.rowsPushed).sort()).toEqual([1, 400]);
        expect(await relay.deliver.blobs.get(`${parent.ingestionId}.0.json`)).toBeUndefined();

        await fanOutTables(parent, relay.deliver.queue);
        const repeated = await deliverQueued(relay);
        expect(repeated.map((report) => [report.rowsPushed, report.skippedParts, report.poisoned.length])).toEqual([
            [0, 1, 0],
            [0, 1, 0],
        ]);
        const rows = await tableRows(workspaceId);
        expect([rows.Commits?.length, rows.Pushes?.length]).toEqual([400, 1]);
    });

    it('is sent back unchanged, not packed, when another delivery gathers companions from the queue', async () => {
        const { relay, workspaceId, parent } = await committed([commit(1), commit(2)]);
        const other = rowsMessageSchema.parse({
            version: 1,
            ingestionId: 'another-request',
            dataset: 'GitHub',
            table: 'Commits',
            rowCount: 1,
            receivedAt: parent.receivedAt,
            rows: [commit(3)],
        });
        await relay.deliver.queue.send(parent);
        await relay.deliver.queue.send(other);
        const [commitsChild] = toTableMessages(parent);
        const report = await deliverRows(commitsChild!, relay.deliver, { dequeueCount: 1 });
        // The other Commits request travelled with the child; the several-table message went back to the queue.
        expect(report).toMatchObject({ rowsPushed: 3, packed: 1 });
        // As a new message, so being looked at does not bring it closer to the host's maxDequeueCount.
        const { peekedMessageItems } = await bed
            .queue(relay.settings.ROWS_QUEUE)
            .peekMessages({ numberOfMessages: 32 });
        expect(peekedMessageItems.map((item) => [fromQueueText(item.messageText), item.dequeueCount])).toEqual([
            [parent, 0],
        ]);
        expect((await tableRows(workspaceId)).Commits).toHaveLength(3);
    });

    it('replays a several-table message the host poisoned as it was, and its rows then arrive once', async () => {
        const { relay, workspaceId, parent } = await committed([commit(1), commit(2)]);
        // After maxDequeueCount failed fan-outs the host moves the message, unchanged, to <queue>-poison.
        await bed.queue(`${relay.settings.ROWS_QUEUE}-poison`).createIfNotExists();
        await bed.queue(`${relay.settings.ROWS_QUEUE}-poison`).sendMessage(toQueueText(parent));
        const { queueService } = createStorageClients(relay.settings);
        expect(await replayPoison(queueService, relay.settings.ROWS_QUEUE, { dryRun: false })).toEqual([
            {
                ingestionId: parent.ingestionId,
                dataset: 'GitHub',
                tables: [
                    { table: 'Commits', rows: 2 },
                    { table: 'Pushes', rows: 1 },
                ],
                rows: 3,
                failure: undefined,
                // The host's copy: its rows were never counted as poisoned, so the replay does not count them again.
                countedPoisoned: false,
                outcome: 'replayed',
            },
        ]);
        const [replayed] = await bed.drain(relay.settings.ROWS_QUEUE);
        expect(rowsQueueMessageSchema.parse(replayed)).toEqual(parent);
        await fanOutTables(parent, relay.deliver.queue);
        await deliverQueued(relay);
        const rows = await tableRows(workspaceId);
        expect([rows.Commits?.length, rows.Pushes?.length]).toEqual([2, 1]);
    });
});
