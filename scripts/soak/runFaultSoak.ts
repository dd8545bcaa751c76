import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { FaultInput } from '../../emulator';
import type { FaultPhase } from './faultPhases';
import { hasEventhouse, sinkTableName } from './judgeCrashSoak';
import {
    drain,
    type CrashSoakOptions,
    markedTable,
    soakIdColumn,
    soakTables,
    startUnpacedSoakStack,
} from './runCrashSoak';
import { sendSoakTraffic } from './sendSoakTraffic';
import type { SoakStack } from './startSoakStack';
import { emptyPoisonedIds } from './takePoisonedIds';
import { tallySinks, type SinkTableTally } from './tallySinks';
import { UnknownOutcomeLog } from './UnknownOutcomeLog';

/** The crash soak's traffic, drain and log options, with the phases of the fault matrix. */
export interface FaultSoakOptions extends Pick<
    CrashSoakOptions,
    | 'senders'
    | 'ratePerSecond'
    | 'largeEvery'
    | 'smallRows'
    | 'largeRows'
    | 'drainTimeoutSeconds'
    | 'onProgress'
    | 'hostLogPath'
> {
    phases: readonly FaultPhase[];
    /** Webhook requests of each phase. */
    requestsPerPhase: number;
    /** The relay's Power BI client timeout (POWERBI_TIMEOUT_MS): a hang is a timeout after this long. */
    clientTimeoutMs: number;
    /**
     * Dual-write: the dataset delivers to an Eventhouse (the Kusto emulator) too, each sink is counted, and phases
     * with `kustoFaults` inject them there (they need this).
     */
    dualWrite?: boolean;
}

export interface FaultPhaseResult {
    phase: string;
    what: string;
    requests: number;
    /** Per sink and table, with the rows the relay settled by policy (unconfirmed) or by counting its marker (verified). */
    tables: SinkTableTally[];
    /** Rows poisoned in the phase, per reason. */
    poisonReasons: Record<string, number>;
    poisonUnreadable: number;
    /** Faults the emulator applied, and the 429s it answered (injected or its own throttle), from its request log. */
    faultsApplied: number;
    answered429: number;
    /** With dual-write: the same, of the Kusto emulator. */
    kustoFaultsApplied?: number;
    kustoAnswered429?: number;
    /** Seconds from clearing the faults to an empty rows queue; undefined when the drain timed out. */
    drainSeconds: number | undefined;
}

export const faultSoakDataset = 'FaultSoak';

const requestLogSchema = z.object({
    value: z.array(z.object({ status: z.number(), fault: z.unknown().optional() })),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The emulator's control API (`/_emulator/*`), the calls the fault soak makes. */
async function control(emulatorUrl: string, method: 'POST' | 'DELETE' | 'GET', path: string, body?: FaultInput) {
    const response = await fetch(`${emulatorUrl}/_emulator/${path}`, {
        method,
        ...(body ? { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /_emulator/${path}: ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * Fault soak (issue 11, item 5): for each phase of the emulator's fault matrix, mixed traffic into a table with a
 * marker column and one without while the phase's faults are injected again and again (or Azurite is restarted),
 * then the faults are cleared, the rows queue drained, and every row id counted in Power BI (the emulator) and the
 * poison queue. Azurite, the emulator and the Functions host are each their own process (startSoakStack).
 */
export async function runFaultSoak(options: FaultSoakOptions): Promise<FaultPhaseResult[]> {
    const folder = mkdtempSync(join(tmpdir(), 'pbi-relay-fault-soak-'));
    const log = new UnknownOutcomeLog();
    const hostLog = options.hostLogPath ? createWriteStream(options.hostLogPath) : undefined;
    const progress = options.onProgress ?? (() => undefined);
    let stack: SoakStack | undefined;
    const needKusto = options.phases.filter((phase) => phase.kustoFaults && !options.dualWrite);
    if (needKusto.length > 0) throw new Error(`${needKusto.map((phase) => phase.name).join(', ')}: need dual-write`);
    try {
        stack = await startUnpacedSoakStack({
            folder,
            dataset: faultSoakDataset,
            dualWrite: options.dualWrite ?? false,
            settings: {
                POWERBI_TIMEOUT_MS: String(options.clientTimeoutMs),
                // Back-off of a few seconds, so that a phase drains in seconds rather than minutes.
                PUSH_RETRY_BASE_SECONDS: '1',
                PUSH_RETRY_MAX_SECONDS: '4',
            },
            queueLeaseSeconds: 5,
            log,
            ...(hostLog ? { hostLog } : {}),
        });
        const running = stack;
        const emulatorUrl = running.emulatorUrl;
        const kusto = running.kusto;
        const results: FaultPhaseResult[] = [];
        for (const [index, phase] of options.phases.entries()) {
            progress(`phase ${phase.name}: ${phase.what}`);
            await control(emulatorUrl, 'DELETE', 'requests');
            await kusto?.clearRequests();
            const from = log.outcomes.length;
            let sending = true;
            const traffic = sendSoakTraffic({
                dataset: faultSoakDataset,
                tables: soakTables,
                idPrefix: `f${index}`,
                toRow: (_table, id, row) => ({ [soakIdColumn]: id, Seq: row, Note: `row ${row} of ${id}` }),
                hostUrl: () => running.hostUrl(),
                senders: options.senders,
                ratePerSecond: options.ratePerSecond,
                maxRequests: options.requestsPerPhase,
                largeEvery: options.largeEvery,
                smallRows: options.smallRows,
                largeRows: options.largeRows,
            }).finally(() => (sending = false));
            const faulting = (async () => {
                let restarts = 0;
                while (sending) {
                    for (const fault of phase.faults) await control(emulatorUrl, 'POST', 'faults', fault);
                    for (const fault of phase.kustoFaults ?? []) await kusto?.injectFault(fault);
                    if (restarts < (phase.azuriteRestarts ?? 0)) {
                        await running.killAzurite(2_000, 'stop');
                        restarts += 1;
                    }
                    await sleep(phase.everyMs);
                }
            })();
            const [{ requests }] = await Promise.all([traffic, faulting]);
            // On a loaded machine the last calls may come after the traffic ended: the faults stay until one was met.
            if (phase.faults.length > 0) {
                await untilFaultMet(
                    async () => requestLogSchema.parse(await control(emulatorUrl, 'GET', 'requests')).value,
                );
            }
            if (kusto && (phase.kustoFaults ?? []).length > 0) await untilFaultMet(() => kusto.requests());
            await control(emulatorUrl, 'DELETE', 'faults');
            await kusto?.clearFaults();
            progress(`  ${requests.length} requests sent; faults cleared, draining`);
            const poisoned = emptyPoisonedIds();
            const eventhousePoisoned = emptyPoisonedIds();
            const drainSeconds = await drain(running, options.drainTimeoutSeconds, poisoned, eventhousePoisoned);
            progress(drainSeconds === undefined ? '  drain timed out' : `  drained in ${drainSeconds.toFixed(1)} s`);
            const tables = await tallySinks(requests, soakTables, {
                stack: running,
                dataset: faultSoakDataset,
                idColumn: soakIdColumn,
                poisoned,
                eventhousePoisoned,
                log,
                outcomesFrom: from,
            });
            const calls = requestLogSchema.parse(await control(emulatorUrl, 'GET', 'requests')).value;
            const kustoCalls = kusto ? await kusto.requests() : undefined;
            results.push({
                phase: phase.name,
                what: phase.what,
                requests: requests.length,
                tables,
                poisonReasons: Object.fromEntries([
                    ...poisoned.reasons,
                    ...[...eventhousePoisoned.reasons].map(
                        ([reason, rows]) => [`Eventhouse: ${reason}`, rows] as const,
                    ),
                ]),
                poisonUnreadable: poisoned.unreadable + eventhousePoisoned.unreadable,
                faultsApplied: calls.filter((call) => call.fault !== undefined).length,
                answered429: calls.filter((call) => call.status === 429).length,
                ...(kustoCalls
                    ? {
                          kustoFaultsApplied: kustoCalls.filter((call) => call.fault !== undefined).length,
                          kustoAnswered429: kustoCalls.filter((call) => call.status === 429).length,
                      }
                    : {}),
                drainSeconds,
            });
        }
        return results;
    } finally {
        await stack?.stop();
        hostLog?.end();
        rmSync(folder, { recursive: true, force: true });
    }
}

/** Waits (at most 30 s) until an emulator's request log shows a call it answered with one of the injected faults. */
async function untilFaultMet(requests: () => Promise<readonly { fault?: unknown }[]>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        if ((await requests()).some((call) => call.fault !== undefined)) return;
        await sleep(200);
    }
}

/**
 * What a fault soak must show, per phase: every accepted row delivered once or poisoned with a reason (none lost),
 * no duplicate in the marker table, and in the other no more copies than the relay reported unconfirmed; with
 * dual-write, in the Eventhouse's dedup view none lost and none twice in either table (its `unconfirmed` is 0).
 */
export function judgeFaultSoak(results: readonly FaultPhaseResult[]): string[] {
    const broken: string[] = [];
    for (const result of results) {
        if (result.drainSeconds === undefined) broken.push(`${result.phase}: the rows queue did not drain`);
        if (result.poisonUnreadable > 0) broken.push(`${result.phase}: ${result.poisonUnreadable} unreadable poison`);
        for (const table of result.tables) {
            const at = `${result.phase}, ${sinkTableName(table)}`;
            if (table.lost > 0) broken.push(`${at}: ${table.lost} rows lost (${table.lostIds.join(', ')})`);
            if (table.table === markedTable && table.duplicated > 0)
                broken.push(`${at}: ${table.duplicated} duplicates with a marker column`);
            if (table.duplicated > table.unconfirmed)
                broken.push(`${at}: ${table.duplicated} duplicates, more than the ${table.unconfirmed} unconfirmed`);
            const once = table.rowsAccepted - table.poisoned - table.lost;
            if (table.table === markedTable && table.deliveredOnce !== once)
                broken.push(
                    `${at}: ${table.rowsAccepted} accepted, ${table.deliveredOnce} once, ${table.poisoned} poisoned`,
                );
        }
    }
    return broken;
}

/** One line per phase and table: the figures the README and the report show. */
export function formatFaultSoak(results: readonly FaultPhaseResult[]): { header: string[]; rows: string[][] } {
    const dual = hasEventhouse(results);
    const header = [
        'phase',
        'table',
        ...(dual ? ['sink'] : []),
        'requests',
        'rows accepted',
        'not accepted',
        'delivered once',
        'duplicated',
        'unconfirmed',
        'verified',
        'poisoned',
        'lost',
        ...(dual ? ['raw copies (before dedup)'] : []),
        'faults',
        '429s',
        'drain s',
    ];
    const rows = results.flatMap((result) =>
        result.tables.map((table) => [
            result.phase,
            table.table,
            ...(dual ? [table.sink] : []),
            String(table.requests),
            String(table.rowsAccepted),
            String(table.rowsNotAccepted),
            String(table.deliveredOnce),
            String(table.duplicated),
            String(table.unconfirmed),
            String(table.verified),
            String(table.poisoned),
            String(table.lost),
            ...(dual ? [table.rawDuplicated === undefined ? '–' : String(table.rawDuplicated)] : []),
            String(table.sink === 'Eventhouse' ? (result.kustoFaultsApplied ?? 0) : result.faultsApplied),
            String(table.sink === 'Eventhouse' ? (result.kustoAnswered429 ?? 0) : result.answered429),
            result.drainSeconds === undefined ? 'timeout' : result.drainSeconds.toFixed(1),
        ]),
    );
    return { header, rows };
}
