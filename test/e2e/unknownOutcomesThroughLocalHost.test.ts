import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelayLocally, type LocalRelay } from '../../local/startRelayLocally';
import { statusReportSchema } from '../../src/status/statusSchema';
import { waitFor } from '../support/waitFor';

/**
 * Add Rows calls Power BI applied whose answer never came (the emulator's applied-then-reset fault), through the
 * local host: the status page's counts say how each was settled, by the marker column's count or by the policy.
 */
const root = join(__dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-unknown-'));
const columns = [
    { name: 'Id', dataType: 'Int64', required: true },
    { name: 'Batch', dataType: 'String' },
];

let local: LocalRelay;
beforeAll(async () => {
    const configPath = join(temp, 'unknown.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            datasets: [
                { name: 'Marked', tables: [{ name: 'Orders', columns, markerColumn: 'Batch' }] },
                { name: 'Plain', tables: [{ name: 'Orders', columns }] },
            ],
        }),
    );
    local = await startRelayLocally({
        appRoot: root,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        configPath,
        settings: { PUSH_RETRY_BASE_SECONDS: '1', PUSH_RETRY_MAX_SECONDS: '1' },
        logger: () => undefined,
    });
});
afterAll(async () => {
    await local?.close();
    rmSync(temp, { recursive: true, force: true });
});

const readStatus = async () => statusReportSchema.parse(await (await fetch(`${local.url}/api/status.json`)).json());

async function storedIds(dataset: string): Promise<number[]> {
    const found = (await local.emulator.datasets()).find((d) => d.name === dataset);
    return (found?.tables[0]?.rows ?? []).map((row) => Number(row.Id)).sort();
}

describe('calls whose answer never came, on the status page', () => {
    it('counts a call settled by its marker as stored, and one settled by atLeastOnce as unconfirmed, with rows', async () => {
        for (const name of ['Marked', 'Plain']) {
            // The datasets exist first, so the fault meets the rows call itself.
            const dataset = await local.emulator.createPushDataset({
                workspaceId: local.settings.POWERBI_WORKSPACE_ID!,
                dataset: {
                    name,
                    tables: [{ name: 'Orders', columns: columns.map(({ name, dataType }) => ({ name, dataType })) }],
                },
            });
            await local.emulator.injectFaults({
                operation: 'postRows',
                kind: 'applied',
                then: 'reset',
                datasetId: dataset.id,
            });
            const response = await fetch(`${local.url}/api/datasets/${name}/tables/Orders/rows`, {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ rows: [{ Id: 1 }, { Id: 2 }] }),
            });
            expect(response.status).toBe(202);
        }
        const status = await waitFor(
            async () => {
                const report = await readStatus();
                const settled = report.datasets.every((d) => {
                    const total = d.tables[0]!.unknownOutcomes.total;
                    return total.stored.parts + total.notStored.parts + total.unconfirmed.parts > 0;
                });
                return settled && (await storedIds('Plain')).length === 4 ? report : undefined;
            },
            { timeoutMs: 30_000, intervalMs: 250, description: 'both calls settled' },
        );
        const outcomes = (name: string) =>
            status.datasets.find((d) => d.name === name)!.tables.find((t) => t.name === 'Orders')!.unknownOutcomes;
        const none = { parts: 0, rows: 0 };
        // Counted in Power BI: the call was stored, and its rows are there once.
        expect(outcomes('Marked')).toEqual({
            ambiguousOutcome: 'atLeastOnce',
            markerColumn: 'Batch',
            lastHour: { stored: { parts: 1, rows: 2 }, notStored: none, unconfirmed: none },
            total: { stored: { parts: 1, rows: 2 }, notStored: none, unconfirmed: none },
        });
        expect(await storedIds('Marked')).toEqual([1, 2]);
        // No marker column: the default policy pushed the rows again, and they are counted as unconfirmed.
        expect(outcomes('Plain')).toEqual({
            ambiguousOutcome: 'atLeastOnce',
            lastHour: { stored: none, notStored: none, unconfirmed: { parts: 1, rows: 2 } },
            total: { stored: none, notStored: none, unconfirmed: { parts: 1, rows: 2 } },
        });
        expect(await storedIds('Plain')).toEqual([1, 1, 2, 2]);
    });
});
