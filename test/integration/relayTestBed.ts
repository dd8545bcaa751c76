import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { fromQueueText, rowsMessageSchema, type RowsMessage } from '../../src/queue/rowsMessage';
import { createRelay, type Relay } from '../../src/runtime/relay';

/** The managed identity the relay runs as in these tests (its client id is its principal id in the emulator). */
export const relayClientId = '5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f';

export const productConfig = {
    datasets: [
        {
            name: 'SalesMarketing',
            defaultRetentionPolicy: 'basicFIFO',
            tables: [
                {
                    name: 'Product',
                    columns: [
                        { name: 'ProductID', dataType: 'Int64', required: true },
                        { name: 'Name', dataType: 'String', required: true },
                        { name: 'Category', dataType: 'String' },
                        { name: 'IsCompete', dataType: 'Boolean' },
                        { name: 'ManufacturedOn', dataType: 'DateTime' },
                    ],
                },
            ],
        },
    ],
};

/** A rows message for SalesMarketing/Product as ingest would queue it, with rows inline unless `extra` says otherwise. */
export function productMessage(rows: Record<string, unknown>[], extra: Partial<RowsMessage> = {}): RowsMessage {
    return rowsMessageSchema.parse({
        version: 1,
        ingestionId: randomUUID(),
        dataset: 'SalesMarketing',
        table: 'Product',
        rowCount: rows.length,
        receivedAt: new Date().toISOString(),
        rows,
        ...extra,
    });
}

export interface RelayTestBed {
    emulator: RunningEmulator;
    azurite: RunningAzurite;
    /** A relay on a fresh workspace and fresh queue names, so tests do not see each other. */
    newRelay(
        overrides?: Record<string, string>,
        config?: unknown,
    ): Promise<{ relay: Relay; workspaceId: string; env: Record<string, string> }>;
    queue(name: string): QueueClient;
    /** Receives (and deletes) every visible message of a queue, decoded. */
    drain(name: string): Promise<unknown[]>;
    close(): Promise<void>;
}

/** A real Azurite and a real Power BI emulator, with the relay wired by its own composition root. */
export async function startRelayTestBed(): Promise<RelayTestBed> {
    const azurite = await startAzurite();
    const emulator = await startEmulator().catch(async (error: unknown) => {
        await azurite.stop();
        throw error;
    });
    const folder = mkdtempSync(join(tmpdir(), 'pbi-relay-test-'));
    const previousEnv = {
        IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
        IDENTITY_HEADER: process.env.IDENTITY_HEADER,
    };
    Object.assign(process.env, emulator.env());

    const queue = (name: string) => new QueueClient(azurite.connectionString, name);
    return {
        emulator,
        azurite,
        async newRelay(overrides = {}, config = productConfig) {
            const { id: workspaceId } = await emulator.createWorkspace({
                name: `relay ${randomUUID()}`,
                members: [{ principalId: relayClientId, role: 'Member' }],
            });
            const suffix = randomUUID().slice(0, 8);
            const configPath = join(folder, `config-${suffix}.json`);
            writeFileSync(configPath, JSON.stringify(config));
            const env = {
                AzureWebJobsStorage: azurite.connectionString,
                POWERBI_API_BASE_URL: `${emulator.url}/v1.0/myorg`,
                POWERBI_WORKSPACE_ID: workspaceId,
                POWERBI_CREDENTIAL: 'managedIdentity',
                AZURE_CLIENT_ID: relayClientId,
                PBI_RELAY_CONFIG: configPath,
                ROWS_QUEUE: `rows-${suffix}`,
                ROWS_CONTAINER: `rows-${suffix}`,
                PUSH_LEDGER_TABLE: `ledger${suffix}`,
                PUSH_GOVERNOR_TABLE: `governor${suffix}`,
                ...overrides,
            };
            // `env` wires another instance of the same app: same queue, tables, workspace and config.
            return { relay: createRelay(env), workspaceId, env };
        },
        queue,
        async drain(name) {
            const client = queue(name);
            const messages: unknown[] = [];
            for (;;) {
                const received = await client.receiveMessages({ numberOfMessages: 32 });
                if (received.receivedMessageItems.length === 0) return messages;
                for (const item of received.receivedMessageItems) {
                    messages.push(fromQueueText(item.messageText));
                    await client.deleteMessage(item.messageId, item.popReceipt);
                }
            }
        },
        async close() {
            Object.assign(process.env, previousEnv);
            for (const [key, value] of Object.entries(previousEnv)) if (value === undefined) delete process.env[key];
            rmSync(folder, { recursive: true, force: true });
            await emulator.close();
            await azurite.stop();
        },
    };
}
