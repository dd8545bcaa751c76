import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { devStoreAccountKey, devStoreAccountName } from '../../local/startAzurite';
import { toQueueText } from '../../src/queue/rowsMessage';
import { appRoot } from '../../src/config/appRoot';
import { kustoEmulatorControl } from '../soak/kustoEmulatorControl';
import { EmulatorProbe, type AddRowsCall } from './emulatorProbe';
import { sendRequests, type SendResult } from './sendRequests';
import { startRelayProcess, type RelayProcess } from './startRelayProcess';

export const scenarioNames = ['backlog', 'sustained', 'cliff', 'instances', 'accept', 'dualWrite'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export interface ScenarioOptions {
    /** One-row webhook requests of the measured phase (sustained: rate × seconds instead). */
    requests: number;
    /** Concurrent senders. */
    senders: number;
    /** Functions hosts for the instances scenario. */
    instances: number;
    /** sustained: offered one-row requests per second, for `seconds`. */
    rate: number;
    seconds: number;
    /** sustained: the hourly row limit, lowered in the emulator and in the relay (PUSH_MAX_ROWS_PER_HOUR). */
    hourlyRows: number;
    /** cliff: rows put into the `None` table first, in requests of 10,000 rows. */
    fillRows: number;
    /** cliff: the emulator's slowdownTableRows (documented: 250,000), told to the relay too. */
    cliffRows: number;
    /** cliff: Add Rows calls an hour past the cliff (documented: 120), in the emulator and in the relay. */
    cliffCallsPerHour: number;
    /** How long to wait for the rows after the last 202. */
    timeoutSeconds: number;
    /** More app settings for the relay, passed as environment variables. */
    relaySettings: Record<string, string>;
    /** A folder to write each scenario's relay output to, as `<scenario>.log`. */
    relayLogDir?: string;
}

export interface ScenarioResult {
    scenario: ScenarioName;
    /** Where the figures were measured: the push dataset, or (dualWrite) the Eventhouse's view of the same rows. */
    sink: 'powerBi' | 'eventhouse';
    /** Rows delivered per second, from the first request to the last row stored. */
    rowsPerSecond: number;
    requests: number;
    accepted: number;
    acceptRate: number;
    p99Ms: number;
    /** Last 202 to the last Add Rows call that stored rows; undefined while rows are missing. */
    lagSeconds: number | undefined;
    addRowsCalls: number;
    rowsPerCall: number;
    peakCallsPerMinute: number;
    peakRowsPerHour: number;
    rowsPerHourLimit: number;
    throttled: number;
    expectedRows: number;
    deliveredRows: number;
    /** Push datasets of the benchmark's name in the workspace; more than 1 when creation raced. */
    datasets: number;
    duplicates: number;
    missing: number;
    notes: string[];
    /** accept: raw Azurite enqueue of the same rows into the same queue, from the same machine. */
    raw?: { acceptRate: number; p99Ms: number };
    /** dualWrite: the same requests as the Eventhouse sink delivered them (duplicates counted after dedup by EventId). */
    eventhouse?: ScenarioResult;
}

const dataset = 'SalesMarketing';
const table = 'Product';
const rowsPath = `/api/datasets/${dataset}/tables/${table}/rows`;

const productRow = (id: number) => ({
    ProductID: id,
    Name: `Product ${id}`,
    Category: 'Components',
    IsCompete: id % 2 === 0,
    ManufacturedOn: '2014-07-30T00:00:00Z',
});

async function postRows(hostUrl: string, ids: readonly number[]): Promise<boolean> {
    const response = await fetch(hostUrl + rowsPath, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ rows: ids.map(productRow) }),
    });
    await response.arrayBuffer();
    return response.status === 202;
}

/** One-row webhook requests for ids first..first+count-1, spread over the hosts as a load balancer would. */
function sendOneRowRequests(
    relay: RelayProcess,
    first: number,
    count: number,
    senders: number,
    ratePerSecond?: number,
): Promise<SendResult> {
    return sendRequests({
        count,
        senders,
        ...(ratePerSecond !== undefined ? { ratePerSecond } : {}),
        send: (index) => postRows(relay.hostUrls[index % relay.hostUrls.length]!, [first + index]),
    });
}

/** Waits until the table holds `rows` rows (or the time is up); returns the count seen last. */
async function waitForRows(probe: EmulatorProbe, rows: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const count = await probe.rowCount();
        if (count >= rows || Date.now() >= deadline) return count;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

/** The most entries within any `windowMs` (weighted by `weight`), for the per-minute and per-hour budgets. */
function peakInWindow(calls: readonly AddRowsCall[], windowMs: number, weight: (call: AddRowsCall) => number): number {
    let peak = 0;
    let sum = 0;
    let start = 0;
    for (const call of calls) {
        sum += weight(call);
        while (calls[start]!.atMs <= call.atMs - windowMs) sum -= weight(calls[start++]!);
        peak = Math.max(peak, sum);
    }
    return peak;
}

async function summarise(
    scenario: ScenarioName,
    probe: EmulatorProbe,
    send: SendResult,
    expectedIds: readonly number[],
    notes: string[],
): Promise<ScenarioResult> {
    const counts = await probe.countBy('ProductID');
    let duplicates = 0;
    let missing = 0;
    for (const id of expectedIds) {
        const count = counts.get(id) ?? 0;
        if (count === 0) missing += 1;
        else duplicates += count - 1;
    }
    const calls = (await probe.addRowsCalls()).sort((a, b) => a.atMs - b.atMs);
    const stored = calls.filter((call) => call.status === 200);
    const storedRows = stored.reduce((sum, call) => sum + call.rows, 0);
    const lastStoredAt = stored.at(-1)?.atMs;
    if (send.firstFailure !== undefined) notes.push(send.firstFailure);
    const datasets = await probe.datasetCount();
    if (datasets > 1) notes.push(`${datasets} push datasets named ${probe.dataset} (rows counted in all)`);
    const deliveredRows = [...counts.values()].reduce((sum, count) => sum + count, 0);
    return {
        scenario,
        sink: 'powerBi',
        rowsPerSecond: rowsPerSecond(deliveredRows, send, lastStoredAt),
        requests: send.sent,
        accepted: send.accepted,
        acceptRate: send.acceptRate,
        p99Ms: send.p99Ms,
        lagSeconds:
            missing === 0 && lastStoredAt !== undefined
                ? Math.max(0, lastStoredAt - send.lastAcceptedAt) / 1000
                : undefined,
        addRowsCalls: stored.length,
        rowsPerCall: stored.length > 0 ? storedRows / stored.length : 0,
        peakCallsPerMinute: peakInWindow(
            calls.filter((call) => call.status !== 429),
            60_000,
            () => 1,
        ),
        peakRowsPerHour: peakInWindow(stored, 3_600_000, (call) => call.rows),
        rowsPerHourLimit: (await probe.limits()).maxRowsPerHour ?? 0,
        throttled: calls.filter((call) => call.status === 429).length,
        expectedRows: expectedIds.length,
        deliveredRows,
        datasets,
        duplicates,
        missing,
        notes,
    };
}

/** Rows per second from the first request (the send phase began `send.seconds` before its last answer) to the last row. */
function rowsPerSecond(rows: number, send: SendResult, lastStoredAt: number | undefined): number {
    if (lastStoredAt === undefined) return 0;
    const firstSentAt = send.lastAcceptedAt - send.seconds * 1000;
    return rows / Math.max(0.001, (lastStoredAt - firstSentAt) / 1000);
}

/**
 * The Eventhouse side of a dual-write run, from the Kusto emulator's raw table: rows per ProductID after dedup by
 * EventId (what the view answers), the raw copies the dedup removes, and the lag from the last 202 to the last
 * ingestion (the emulator stamps ingestion_time() on the Power BI emulator's clock, real time at time scale 1).
 */
async function summariseEventhouse(
    kustoUrl: string,
    pushResult: ScenarioResult,
    send: SendResult,
    expectedIds: readonly number[],
): Promise<ScenarioResult> {
    const rows = await eventhouseRows(kustoUrl);
    const byEventId = new Map(rows.map((row) => [String(row.values.EventId), row]));
    const counts = new Map<number, number>();
    for (const row of byEventId.values()) {
        const id = Number(row.values.ProductID);
        counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    let missing = 0;
    for (const id of expectedIds) {
        const count = counts.get(id) ?? 0;
        if (count === 0) missing += 1;
        else duplicates += count - 1;
    }
    const lastAt = rows.reduce((last, row) => Math.max(last, Date.parse(row.ingestionTime)), 0);
    const lastStoredAt = rows.length > 0 ? lastAt : undefined;
    return {
        ...pushResult,
        sink: 'eventhouse',
        rowsPerSecond: rowsPerSecond(byEventId.size, send, lastStoredAt),
        lagSeconds:
            missing === 0 && lastStoredAt !== undefined
                ? Math.max(0, lastStoredAt - send.lastAcceptedAt) / 1000
                : undefined,
        addRowsCalls: 0,
        rowsPerCall: 0,
        peakCallsPerMinute: 0,
        peakRowsPerHour: 0,
        rowsPerHourLimit: 0,
        throttled: 0,
        deliveredRows: byEventId.size,
        datasets: 1,
        duplicates,
        missing,
        notes: [`${rows.length - byEventId.size} raw copies removed by the dedup view`],
    };
}

const eventhouseRows = (kustoUrl: string) => kustoEmulatorControl(kustoUrl).storedRows(dataset, table);

/** Waits until the Eventhouse holds `rows` distinct EventIds (or the time is up). */
async function waitForEventhouseRows(kustoUrl: string, rows: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (new Set((await eventhouseRows(kustoUrl)).map((row) => row.values.EventId)).size >= rows) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

/** Runs one scenario against its own `npm start` and reports what Power BI (the emulator) saw. */
export async function runScenario(scenario: ScenarioName, options: ScenarioOptions): Promise<ScenarioResult> {
    const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-bench-'));
    const env: Record<string, string> = { ...options.relaySettings };
    let configPath: string | undefined;
    if (scenario === 'dualWrite') configPath = join(appRoot(), 'examples', 'dual-write.config.json');
    if (scenario === 'sustained') env.PUSH_MAX_ROWS_PER_HOUR = String(options.hourlyRows);
    if (scenario === 'cliff') {
        // The relay paces calls past the same cliff the emulator applies.
        env.PUSH_CLIFF_TABLE_ROWS = String(options.cliffRows);
        env.PUSH_MAX_CALLS_PER_HOUR_PAST_CLIFF = String(options.cliffCallsPerHour);
        // The cliff applies to tables that keep their rows: the demo table with retention None.
        const config = JSON.parse(readFileSync(join(appRoot(), 'pbi-relay.config.json'), 'utf8')) as {
            datasets: { defaultRetentionPolicy?: string }[];
        };
        for (const entry of config.datasets) entry.defaultRetentionPolicy = 'None';
        delete (config as { $schema?: string }).$schema;
        configPath = join(temp, 'pbi-relay.config.json');
        writeFileSync(configPath, JSON.stringify(config, null, 4));
    }
    const relay = await startRelayProcess({
        instances: scenario === 'instances' ? options.instances : 1,
        env,
        ...(configPath ? { configPath } : {}),
        ...(options.relayLogDir ? { logPath: join(options.relayLogDir, `${scenario}.log`) } : {}),
    });
    try {
        const probe = new EmulatorProbe(relay.emulatorUrl, dataset, table);
        const timeoutMs = options.timeoutSeconds * 1000;
        const notes: string[] = [];
        switch (scenario) {
            case 'backlog':
            case 'instances': {
                const send = await sendOneRowRequests(relay, 0, options.requests, options.senders);
                await waitForRows(probe, send.accepted, timeoutMs);
                if (scenario === 'instances') notes.push(`${relay.hostUrls.length} hosts`);
                const result = await summarise(scenario, probe, send, range(0, options.requests), notes);
                // Issue 9's bound: the last row at most max(5 s, 25% of the send phase) after the last 202.
                const boundSeconds = Math.max(5, 0.25 * send.seconds);
                const verdict =
                    result.lagSeconds === undefined
                        ? 'rows missing'
                        : result.lagSeconds <= boundSeconds
                          ? 'met'
                          : 'not met';
                notes.push(
                    `send phase ${send.seconds.toFixed(0)} s, lag bound max(5 s, 25%) = ${boundSeconds.toFixed(1)} s: ${verdict}`,
                );
                return result;
            }
            case 'sustained': {
                await probe.updateLimits({ maxRowsPerHour: options.hourlyRows });
                const count = Math.round(options.rate * options.seconds);
                const send = await sendOneRowRequests(relay, 0, count, options.senders, options.rate);
                const target = Math.min(send.accepted, options.hourlyRows);
                const delivered = await waitForRows(probe, target, timeoutMs);
                notes.push(
                    `offered ${options.rate}/s for ${options.seconds} s, hourly limit ${options.hourlyRows}: ` +
                        `${delivered} of ${target} (${((100 * delivered) / Math.max(1, target)).toFixed(1)}%)`,
                );
                return await summarise(scenario, probe, send, range(0, count), notes);
            }
            case 'cliff': {
                const defaults = await probe.limits();
                if (
                    options.cliffRows !== defaults.slowdownTableRows ||
                    options.cliffCallsPerHour !== defaults.maxPostRowsRequestsPerHourAfterSlowdown
                ) {
                    await probe.updateLimits({
                        slowdownTableRows: options.cliffRows,
                        maxPostRowsRequestsPerHourAfterSlowdown: options.cliffCallsPerHour,
                    });
                }
                const fillFirst = 10_000_000;
                const batches = range(0, Math.ceil(options.fillRows / 10_000));
                const fill = await sendRequests({
                    count: batches.length,
                    senders: 4,
                    send: (batch) =>
                        postRows(
                            relay.hostUrls[0]!,
                            range(fillFirst + batch * 10_000, Math.min(10_000, options.fillRows - batch * 10_000)),
                        ),
                });
                const filled = await waitForRows(probe, options.fillRows, timeoutMs);
                if (fill.accepted !== batches.length || filled < options.fillRows) {
                    throw new Error(`The cliff fill stored only ${filled} of ${options.fillRows} rows`);
                }
                notes.push(`table filled to ${filled} rows first (cliff at ${options.cliffRows})`);
                await probe.clearRequests();
                const send = await sendOneRowRequests(relay, 0, options.requests, options.senders);
                await waitForRows(probe, filled + send.accepted, timeoutMs);
                return await summarise(
                    scenario,
                    probe,
                    send,
                    [...range(0, options.requests), ...range(fillFirst, options.fillRows)],
                    notes,
                );
            }
            case 'dualWrite': {
                const send = await sendOneRowRequests(relay, 0, options.requests, options.senders);
                await waitForRows(probe, send.accepted, timeoutMs);
                await waitForEventhouseRows(relay.kustoUrl!, send.accepted, timeoutMs);
                const expected = range(0, options.requests);
                const pushed = await summarise(scenario, probe, send, expected, notes);
                return {
                    ...pushed,
                    eventhouse: await summariseEventhouse(relay.kustoUrl!, pushed, send, expected),
                };
            }
            case 'accept': {
                // The same rows, as the messages the webhook would enqueue, straight into the relay's queue.
                const rawQueue = rawQueueClient(relay.queuePort, env.ROWS_QUEUE ?? 'pbi-rows');
                const rawFirst = 1_000_000;
                const rawSend = await sendRequests({
                    count: options.requests,
                    senders: options.senders,
                    send: async (index) => {
                        const text = toQueueText({
                            version: 1,
                            ingestionId: randomUUID(),
                            dataset,
                            table,
                            rowCount: 1,
                            receivedAt: new Date().toISOString(),
                            rows: [productRow(rawFirst + index)],
                            part: 0,
                            attempt: 0,
                        });
                        await rawQueue.sendMessage(text, { messageTimeToLive: -1 });
                        return true;
                    },
                });
                // Each phase competes only with the pushing of its own rows: the webhook starts once the raw rows are in.
                await waitForRows(probe, rawSend.accepted, timeoutMs);
                const send = await sendOneRowRequests(relay, 0, options.requests, options.senders);
                await waitForRows(probe, rawSend.accepted + send.accepted, timeoutMs);
                const ratio = send.acceptRate / rawSend.acceptRate;
                notes.push(
                    `raw Azurite enqueue ${rawSend.acceptRate.toFixed(0)}/s p99 ${rawSend.p99Ms.toFixed(0)} ms; ` +
                        `webhook ${ratio.toFixed(2)}x raw; p99 bound 3 x raw + 20 ms = ${(3 * rawSend.p99Ms + 20).toFixed(0)} ms`,
                );
                const result = await summarise(
                    scenario,
                    probe,
                    send,
                    [...range(0, options.requests), ...range(rawFirst, options.requests)],
                    notes,
                );
                return { ...result, raw: { acceptRate: rawSend.acceptRate, p99Ms: rawSend.p99Ms } };
            }
        }
    } catch (error) {
        throw new Error(`${scenario}: ${error instanceof Error ? error.message : String(error)}\n${relay.tail()}`, {
            cause: error,
        });
    } finally {
        await relay.stop();
        rmSync(temp, { recursive: true, force: true });
    }
}

function rawQueueClient(queuePort: number, queueName: string): QueueClient {
    const connectionString = [
        'DefaultEndpointsProtocol=http',
        `AccountName=${devStoreAccountName}`,
        `AccountKey=${devStoreAccountKey}`,
        `QueueEndpoint=http://127.0.0.1:${queuePort}/${devStoreAccountName}`,
    ].join(';');
    return new QueueClient(connectionString, queueName);
}
