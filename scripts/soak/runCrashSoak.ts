import { createWriteStream, mkdtempSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { appRoot } from '../../src/config/appRoot';
import { sendSoakTraffic, type SoakRequest, type SoakTrafficOptions } from './sendSoakTraffic';
import { startSoakStack, type SoakStack } from './startSoakStack';
import { emptyPoisonedIds, takePoisonedIds, type PoisonedIds } from './takePoisonedIds';
import { tallySinks, type SinkTableTally } from './tallySinks';
import { UnknownOutcomeLog } from './UnknownOutcomeLog';

export interface CrashSoakOptions {
    /** SIGKILLs of the Functions host during the first phase's traffic. */
    hostKills: number;
    /** SIGKILLs of Azurite during the second phase's traffic (0 skips the phase). */
    azuriteKills: number;
    /** How long after a host is up (or Azurite restarted) the next kill comes: uniform in [min, max] ms. */
    killAfterMs: readonly [number, number];
    /** How long Azurite stays down after each kill. */
    azuriteDownMs: number;
    /** Requests of the Azurite phase (the host phase sends until its kills are done). */
    azuriteRequests: number;
    senders: number;
    ratePerSecond: number;
    largeEvery: number;
    smallRows: readonly [number, number];
    largeRows: readonly [number, number];
    queueLeaseSeconds: number;
    drainTimeoutSeconds: number;
    onProgress?: (text: string) => void;
    /** Writes every line the Functions hosts print to this file. */
    hostLogPath?: string;
    /** More app settings for the host (e.g. PUSH_COALESCE_MESSAGES=0 to turn packing off). */
    relaySettings?: Record<string, string>;
    /** Dual-write: the datasets deliver to an Eventhouse (the Kusto emulator) too, and each sink is counted. */
    dualWrite?: boolean;
}

export interface PhaseResult {
    phase: 'host kills' | 'Azurite kills';
    kills: number;
    /** Per sink and table, with the rows whose call outcome the relay could not know (its log, settled by policy). */
    tables: SinkTableTally[];
    /** Seconds from the last request to an empty rows queue; undefined when the drain timed out. */
    drainSeconds: number | undefined;
    poisonUnreadable: number;
}

export const soakDataset = 'CrashSoak';
/** The table with a marker column (each call's id, counted in Power BI after an unknown outcome). */
export const markedTable = 'Marked';
/** The table without one: an unknown outcome is settled by its ambiguousOutcome, atLeastOnce. */
export const plainTable = 'Plain';
export const soakTables = [markedTable, plainTable] as const;
export const soakIdColumn = 'Id';
const tables = soakTables;
const idColumn = soakIdColumn;
const rowsQueue = 'pbi-rows';
const rowsContainer = 'pbi-rows';
/** EVENTHOUSE_QUEUE (its default): where a dual-write dataset's ingestions are queued first. */
const eventhouseQueue = 'pbi-relay-eventhouse';
/** Far above any soak, so that Power BI's hourly row limit and the 250,000-row cliff do not pace it. */
const generousRows = 10_000_000;

/**
 * The soak's config: `dataset` with the marker table and the plain table; with `dualWrite` delivered to the
 * Eventhouse too (database `dataset`, the default table, mapping and view names).
 */
function writeSoakConfig(folder: string, dataset = soakDataset, dualWrite = false): string {
    const columns = [
        { name: idColumn, dataType: 'String', required: true },
        { name: 'Seq', dataType: 'Int64' },
        { name: 'Note', dataType: 'String' },
    ];
    const config = {
        datasets: [
            {
                name: dataset,
                defaultRetentionPolicy: 'None',
                tables: [
                    {
                        name: markedTable,
                        markerColumn: 'RelayBatch',
                        columns: [...columns, { name: 'RelayBatch', dataType: 'String' }],
                    },
                    { name: plainTable, ambiguousOutcome: 'atLeastOnce', columns },
                ],
                ...(dualWrite ? { sinks: ['powerBi', 'eventhouse'], eventhouse: { database: dataset } } : {}),
            },
        ],
    };
    const path = join(folder, 'soak.config.json');
    writeFileSync(path, JSON.stringify(config, null, 4));
    return path;
}

/**
 * The soak's stack (startSoakStack) with the soak's config for `dataset` written into `folder`, Power BI's hourly row
 * limit and 250,000-row cliff raised in the emulator and the relay so that they do not pace the soak, and every line
 * the host prints read into `log` (and copied to `hostLog`).
 */
export function startUnpacedSoakStack(options: {
    folder: string;
    dataset: string;
    dualWrite: boolean;
    settings: Record<string, string>;
    queueLeaseSeconds: number;
    log: UnknownOutcomeLog;
    hostLog?: WriteStream;
}): Promise<SoakStack> {
    return startSoakStack({
        configPath: writeSoakConfig(options.folder, options.dataset, options.dualWrite),
        kusto: options.dualWrite,
        settings: {
            PUSH_MAX_ROWS_PER_HOUR: String(generousRows),
            PUSH_CLIFF_TABLE_ROWS: String(generousRows),
            ...options.settings,
        },
        emulatorArgs: [
            '--seed',
            join(appRoot(), 'local', 'demo.seed.json'),
            '--limit',
            `maxRowsPerHour=${generousRows}`,
            '--limit',
            `slowdownTableRows=${generousRows}`,
        ],
        queueLeaseSeconds: options.queueLeaseSeconds,
        onHostLine: (line, stream) => {
            options.log.read(line, stream);
            options.hostLog?.write(`${line}\n`);
        },
    });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low);

/**
 * Crash soak (issue 11, item 5): mixed traffic into a table with a marker column and one without, while the
 * Functions host is SIGKILLed and restarted `hostKills` times; then traffic while Azurite is SIGKILLed and restarted
 * on its data `azuriteKills` times. After each phase it waits for the rows queue to empty and counts every row id
 * in Power BI (the emulator) and in the poison queue.
 */
export async function runCrashSoak(options: CrashSoakOptions): Promise<PhaseResult[]> {
    const folder = mkdtempSync(join(tmpdir(), 'pbi-relay-crash-soak-'));
    const log = new UnknownOutcomeLog();
    const hostLog = options.hostLogPath ? createWriteStream(options.hostLogPath) : undefined;
    const progress = options.onProgress ?? (() => undefined);
    let stack: SoakStack | undefined;
    try {
        stack = await startUnpacedSoakStack({
            folder,
            dataset: soakDataset,
            dualWrite: options.dualWrite ?? false,
            settings: options.relaySettings ?? {},
            queueLeaseSeconds: options.queueLeaseSeconds,
            log,
            ...(hostLog ? { hostLog } : {}),
        });
        const running = stack;
        const traffic = (idPrefix: string): Omit<SoakTrafficOptions, 'maxRequests' | 'stop'> => ({
            dataset: soakDataset,
            tables,
            idPrefix,
            toRow: (_table, id, index) => ({ [idColumn]: id, Seq: index, Note: `row ${index} of ${id}` }),
            hostUrl: () => running.hostUrl(),
            senders: options.senders,
            ratePerSecond: options.ratePerSecond,
            largeEvery: options.largeEvery,
            smallRows: options.smallRows,
            largeRows: options.largeRows,
        });
        const results: PhaseResult[] = [];

        progress(`host phase: ${options.hostKills} kills`);
        let from = log.outcomes.length;
        let killsDone = false;
        const hostTraffic = sendSoakTraffic({
            ...traffic('h'),
            maxRequests: Number.MAX_SAFE_INTEGER,
            stop: () => killsDone,
        });
        for (let kill = 1; kill <= options.hostKills; kill++) {
            await running.hostUrl();
            await sleep(between(options.killAfterMs));
            await running.killHost();
            if (kill % 10 === 0) progress(`  ${kill} host kills`);
        }
        killsDone = true;
        const hostSent = await hostTraffic;
        results.push(await settlePhase('host kills', options.hostKills, hostSent.requests, from));

        if (options.azuriteKills > 0) {
            progress(`Azurite phase: ${options.azuriteKills} kills`);
            from = log.outcomes.length;
            const azuriteTraffic = sendSoakTraffic({ ...traffic('a'), maxRequests: options.azuriteRequests });
            for (let kill = 1; kill <= options.azuriteKills; kill++) {
                await sleep(between(options.killAfterMs));
                await running.killAzurite(options.azuriteDownMs);
            }
            const azuriteSent = await azuriteTraffic;
            results.push(await settlePhase('Azurite kills', options.azuriteKills, azuriteSent.requests, from));
        }
        return results;

        async function settlePhase(
            phase: PhaseResult['phase'],
            kills: number,
            requests: SoakRequest[],
            outcomesFrom: number,
        ): Promise<PhaseResult> {
            const poisoned = emptyPoisonedIds();
            const eventhousePoisoned = emptyPoisonedIds();
            progress(`  ${requests.length} requests sent; draining`);
            const drainSeconds = await drain(running, options.drainTimeoutSeconds, poisoned, eventhousePoisoned);
            progress(drainSeconds === undefined ? '  drain timed out' : `  drained in ${drainSeconds.toFixed(1)} s`);
            return {
                phase,
                kills,
                tables: await tallySinks(requests, tables, {
                    stack: running,
                    dataset: soakDataset,
                    idColumn,
                    poisoned,
                    eventhousePoisoned,
                    log,
                    outcomesFrom,
                }),
                drainSeconds,
                poisonUnreadable: poisoned.unreadable + eventhousePoisoned.unreadable,
            };
        }
    } finally {
        await stack?.stop();
        hostLog?.end();
        rmSync(folder, { recursive: true, force: true });
    }
}

/**
 * Waits until the rows queue (and with a Kusto emulator, the Eventhouse queue) holds no message (visible or hidden:
 * Storage counts both) on two looks a second apart, taking what reaches the poison queues meanwhile (the Eventhouse
 * one's into `eventhousePoisoned`); the seconds it took, or undefined after the timeout.
 */
export async function drain(
    stack: SoakStack,
    timeoutSeconds: number,
    poisoned: PoisonedIds,
    eventhousePoisoned?: PoisonedIds,
): Promise<number | undefined> {
    const watched: [string, PoisonedIds][] = [[rowsQueue, poisoned]];
    if (stack.kusto && eventhousePoisoned) watched.push([eventhouseQueue, eventhousePoisoned]);
    const started = Date.now();
    let emptyLooks = 0;
    while (Date.now() - started < timeoutSeconds * 1000) {
        let messages = 0;
        for (const [queueName, into] of watched) {
            await takePoisonedIds(stack.storage, { rowsQueue: queueName, rowsContainer, idColumn }, into);
            const queue = new QueueClient(stack.storage, queueName);
            if (await queue.exists()) messages += (await queue.getProperties()).approximateMessagesCount ?? 0;
        }
        emptyLooks = messages === 0 ? emptyLooks + 1 : 0;
        if (emptyLooks >= 2) return (Date.now() - started) / 1000;
        await sleep(1000);
    }
    return undefined;
}
