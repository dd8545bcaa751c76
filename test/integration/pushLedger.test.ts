import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { useAzurite } from '../support/useAzurite';
import { createPushLedger, mayHaveBeenPushed } from '../../src/push/pushLedger';

const azurite = useAzurite();

const newTable = () =>
    TableClient.fromConnectionString(azurite.current.connectionString, `ledger${randomUUID().slice(0, 8)}`, {
        allowInsecureConnection: true,
    });

describe('the push ledger', () => {
    it('records the parts of a packed call of 1,000 ingestions in batches and finds each again', async () => {
        const table = newTable();
        const ledger = createPushLedger(table);
        const ids = Array.from({ length: 1_000 }, () => randomUUID());
        await ledger.recordParts(ids.map((ingestionId) => ({ ingestionId, part: 0, rows: 1, requestId: 'r' })));
        await ledger.recordParts([{ ingestionId: ids[0]!, part: 3, rows: 10 }]);
        expect((await ledger.partsOf(ids[0]!)).pushed).toEqual(new Set([0, 3]));
        expect((await ledger.partsOf(ids[999]!)).pushed).toEqual(new Set([0]));
        expect((await ledger.partsOf(randomUUID())).pushed).toEqual(new Set());
        // 16 partitions: at most 16 × ceil(1,000 / 16 / 100) entity group transactions, not 1,000 requests.
        const partitions = new Set<string>();
        for await (const entity of table.listEntities()) partitions.add(entity.partitionKey!);
        expect(partitions.size).toBe(16);
    });

    it('claims intents: a part another call holds is returned, the others of its transaction are written', async () => {
        const ledger = createPushLedger(newTable());
        const ids = Array.from({ length: 300 }, () => randomUUID());
        const held = [ids[7]!, ids[150]!];
        await ledger.recordIntent(
            held.map((ingestionId) => ({ ingestionId, part: 0, rows: 1 })),
            { callId: 'first', callRows: 2 },
        );
        const { taken, recorded } = await ledger.recordIntent(
            ids.map((ingestionId) => ({ ingestionId, part: 0, rows: 1 })),
            { callId: 'second', callRows: 300 },
        );
        expect(taken.map((entry) => entry.ingestionId).sort()).toEqual([...held].sort());
        // Those it wrote, each with its version (of the first transactions and of the one-by-one claims alike).
        expect(recorded).toHaveLength(298);
        expect(recorded.every((entry) => typeof entry.etag === 'string')).toBe(true);
        expect((await ledger.partsOf(ids[7]!)).pending.get(0)?.callId).toBe('first');
        expect((await ledger.partsOf(ids[8]!)).pending.get(0)?.callId).toBe('second');
        // Two deliverers that settled the pending entry as not stored: the first to replace the version read claims it.
        const read = (await ledger.partsOf(ids[7]!)).pending.get(0)!.etag!;
        const replacing = async (callId: string) =>
            (
                await ledger.recordIntent([{ ingestionId: ids[7]!, part: 0, rows: 1, replaces: read }], {
                    callId,
                    callRows: 1,
                })
            ).taken;
        expect(await replacing('third')).toEqual([]);
        expect(await replacing('fourth')).toHaveLength(1);
        expect((await ledger.partsOf(ids[7]!)).pending.get(0)?.callId).toBe('third');
    });

    it('a late end of a call does not end the intent another call recorded for the part since', async () => {
        const ledger = createPushLedger(newTable());
        const ingestionId = randomUUID();
        const entry = { ingestionId, part: 0, rows: 1 };
        await ledger.recordIntent([entry], { callId: 'stalled', callRows: 1 });
        // The part was settled as not stored and claimed by a second call, which is in flight now.
        const read = (await ledger.partsOf(ingestionId)).pending.get(0)!.etag!;
        expect(
            (await ledger.recordIntent([{ ...entry, replaces: read }], { callId: 'second', callRows: 1 })).taken,
        ).toEqual([]);
        // The first call's instance wakes up and ends its call.
        await ledger.endIntent([entry], 'stalled');
        const afterLateEnd = (await ledger.partsOf(ingestionId)).pending.get(0)!;
        expect(afterLateEnd.callId).toBe('second');
        expect(afterLateEnd.ended).toBeUndefined();
        await ledger.endIntent([entry], 'second');
        expect((await ledger.partsOf(ingestionId)).pending.get(0)).toMatchObject({ callId: 'second', ended: true });
        // A part that was cleared meanwhile is not written again.
        const cleared = { ingestionId: randomUUID(), part: 0, rows: 1 };
        const { recorded } = await ledger.recordIntent([cleared], { callId: 'third', callRows: 1 });
        await ledger.clearIntent(recorded, 'third');
        await ledger.endIntent([cleared], 'third');
        expect((await ledger.partsOf(cleared.ingestionId)).pending.size).toBe(0);
    });

    it('a late clear of a call does not remove the intent another call recorded for the part since', async () => {
        const ledger = createPushLedger(newTable());
        const ingestionId = randomUUID();
        const entry = { ingestionId, part: 0, rows: 1 };
        const stalled = await ledger.recordIntent([entry], { callId: 'stalled', callRows: 1 });
        // Past its deadline the part was settled as not stored and claimed by a second call, in flight now.
        const read = (await ledger.partsOf(ingestionId)).pending.get(0)!.etag!;
        const second = await ledger.recordIntent([{ ...entry, replaces: read }], { callId: 'second', callRows: 1 });
        expect(second.taken).toEqual([]);
        // The first call's instance wakes up with Power BI's definite refusal and clears its intent: the second's stays.
        await ledger.clearIntent(stalled.recorded, 'stalled');
        expect((await ledger.partsOf(ingestionId)).pending.get(0)?.callId).toBe('second');
        // The second call's own clear removes it; a part already gone is no failure.
        await ledger.clearIntent(second.recorded, 'second');
        expect((await ledger.partsOf(ingestionId)).pending.size).toBe(0);
        await ledger.clearIntent(second.recorded, 'second');
    });

    it("clears its call's intent also in a newer version (a stalled call's late end mark), or recorded without one", async () => {
        const ledger = createPushLedger(newTable());
        const entry = { ingestionId: randomUUID(), part: 0, rows: 1 };
        const { recorded } = await ledger.recordIntent([entry], { callId: 'current', callRows: 1 });
        // A call that held the part before, stalled past its deadline, ends late: the merge changes the version.
        await ledger.endIntent([entry], 'stalled');
        await ledger.clearIntent(recorded, 'current');
        expect((await ledger.partsOf(entry.ingestionId)).pending.size).toBe(0);
        // An entry whose written version Storage did not name is read and cleared if it is still this call's.
        const unnamed = { ingestionId: randomUUID(), part: 0, rows: 1 };
        await ledger.recordIntent([unnamed], { callId: 'current', callRows: 1 });
        await ledger.clearIntent([{ ingestionId: unnamed.ingestionId, part: 0 }], 'other');
        expect((await ledger.partsOf(unnamed.ingestionId)).pending.get(0)?.callId).toBe('current');
        await ledger.clearIntent([{ ingestionId: unnamed.ingestionId, part: 0 }], 'current');
        expect((await ledger.partsOf(unnamed.ingestionId)).pending.size).toBe(0);
    });

    it('keys ingestion ids with characters Table storage forbids in row keys', async () => {
        const ledger = createPushLedger(newTable());
        const id = 'source/event#1?x\\y';
        await ledger.recordParts([{ ingestionId: id, part: 0, rows: 1 }]);
        expect((await ledger.partsOf(id)).pushed).toEqual(new Set([0]));
        expect((await ledger.partsOf('source/event#1?x\\z')).pushed).toEqual(new Set());
    });

    it('still reads entries written before the ledger was sharded (one partition per ingestion)', async () => {
        const table = newTable();
        await table.createTable();
        const id = randomUUID();
        await table.upsertEntity({ partitionKey: id, rowKey: '000000', rows: 1, requestId: '', pushedAt: '' });
        await table.upsertEntity({ partitionKey: id, rowKey: '000002', rows: 1, requestId: '', pushedAt: '' });
        expect((await createPushLedger(table).partsOf(id)).pushed).toEqual(new Set([0, 2]));
    });

    it('is asked only about messages that were received before or sent back by the relay', () => {
        expect(mayHaveBeenPushed({}, 1)).toBe(false);
        expect(mayHaveBeenPushed({}, 2)).toBe(true);
        expect(mayHaveBeenPushed({ requeued: true }, 1)).toBe(true);
    });

    it('sweeps entries older than the retention, old layout included, and keeps the rest', async () => {
        const table = newTable();
        const old = createPushLedger(table, () => new Date('2026-01-01T00:00:00Z'));
        const oldIds = Array.from({ length: 250 }, () => randomUUID());
        await old.recordParts(oldIds.map((ingestionId) => ({ ingestionId, part: 0, rows: 1 })));
        const legacy = randomUUID();
        await table.upsertEntity({
            partitionKey: legacy,
            rowKey: '000000',
            rows: 1,
            pushedAt: '2026-01-01T00:00:00.000Z',
        });
        const ledger = createPushLedger(table);
        const recent = randomUUID();
        await ledger.recordParts([{ ingestionId: recent, part: 0, rows: 1 }]);
        expect(await ledger.sweep(new Date('2026-06-01T00:00:00Z'), Date.now() + 60_000)).toBe(251);
        expect((await ledger.partsOf(oldIds[0]!)).pushed).toEqual(new Set());
        expect((await ledger.partsOf(legacy)).pushed).toEqual(new Set());
        expect((await ledger.partsOf(recent)).pushed).toEqual(new Set([0]));
    });

    it('stops sweeping when its time is up and goes on in the next run', async () => {
        const table = newTable();
        const old = createPushLedger(table, () => new Date('2026-01-01T00:00:00Z'));
        await old.recordParts(Array.from({ length: 50 }, () => ({ ingestionId: randomUUID(), part: 0, rows: 1 })));
        const ledger = createPushLedger(table);
        expect(await ledger.sweep(new Date('2026-06-01T00:00:00Z'), Date.now() - 1)).toBe(0);
        expect(await ledger.sweep(new Date('2026-06-01T00:00:00Z'), Date.now() + 60_000)).toBe(50);
    });

    it('sweeps the intents of calls left pending (a crash) past the retention, as it sweeps pushed parts', async () => {
        const table = newTable();
        const old = createPushLedger(table, () => new Date('2026-01-01T00:00:00Z'));
        const stale = randomUUID();
        await old.recordIntent([{ ingestionId: stale, part: 0, rows: 2 }], { callId: 'call-1', callRows: 2 });
        const ledger = createPushLedger(table);
        const recent = randomUUID();
        await ledger.recordIntent([{ ingestionId: recent, part: 0, rows: 1 }], { callId: 'call-2', callRows: 1 });
        expect((await ledger.partsOf(stale)).pending.size).toBe(1);
        expect(await ledger.sweep(new Date('2026-06-01T00:00:00Z'), Date.now() + 60_000)).toBe(1);
        expect((await ledger.partsOf(stale)).pending.size).toBe(0);
        expect((await ledger.partsOf(recent)).pending.get(0)).toMatchObject({ callId: 'call-2', callRows: 1 });
    });
});
