import { parseArgs } from 'node:util';
import { startRelayLocally } from '../local/startRelayLocally';
import { appRoot } from '../src/runtime/appRoot';

export interface PushBenchmarkOptions {
    requests: number;
    rowsPerRequest: number;
    /** Requests in flight at once from the senders. */
    concurrency: number;
    /** PUSH_COALESCE_MESSAGES for the run (0 = one Add Rows call per request). */
    coalesceMessages: number;
    /** Power BI emulator clock speed; 1 keeps the documented limits in real time. */
    timeScale: number;
    /** Give up waiting for the rows after this long. */
    timeoutMs: number;
}

export interface PushBenchmarkResult extends PushBenchmarkOptions {
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    acceptSeconds: number;
    addRowsCalls: number;
    throttled: number;
    delivered: number;
}

/**
 * Posts `requests` webhook calls of `rowsPerRequest` rows to a local relay (Azurite, the Power BI emulator and
 * the local Functions host on free ports) and measures until every row is stored in the emulator's dataset.
 */
export async function runPushBenchmark(options: PushBenchmarkOptions): Promise<PushBenchmarkResult> {
    const relay = await startRelayLocally({
        appRoot: appRoot(),
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        timeScale: options.timeScale,
        settings: { PUSH_COALESCE_MESSAGES: String(options.coalesceMessages) },
        logger: () => {},
    });
    try {
        const url = `${relay.url}/api/datasets/SalesMarketing/tables/Product/rows`;
        const body = (request: number) =>
            JSON.stringify({
                rows: Array.from({ length: options.rowsPerRequest }, (_, i) => ({
                    ProductID: request * options.rowsPerRequest + i,
                    Name: `Product ${request}-${i}`,
                    Category: 'Components',
                    IsCompete: i % 2 === 0,
                    ManufacturedOn: '2014-07-30T00:00:00Z',
                })),
            });
        const total = options.requests * options.rowsPerRequest;
        const started = performance.now();
        let next = 0;
        const sender = async () => {
            while (next < options.requests) {
                const request = next++;
                const response = await fetch(url, {
                    method: 'POST',
                    headers: { 'Content-Type': 'application/json' },
                    body: body(request),
                });
                if (response.status !== 202)
                    throw new Error(`request ${request} answered ${response.status}: ${await response.text()}`);
            }
        };
        await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, sender));
        const accepted = performance.now();
        let delivered = 0;
        while (delivered < total) {
            if (performance.now() - started > options.timeoutMs) break;
            await new Promise((resolve) => setTimeout(resolve, 50));
            const datasets = await relay.emulator.datasets({ includeRows: false });
            delivered =
                datasets.find((d) => d.name === 'SalesMarketing')?.tables.find((t) => t.name === 'Product')?.rowCount ??
                0;
        }
        const seconds = (performance.now() - started) / 1000;
        const calls = (await relay.emulator.requests()).filter((r) => r.operation === 'postRows');
        return {
            ...options,
            rows: total,
            delivered,
            seconds,
            rowsPerSecond: delivered / seconds,
            acceptSeconds: (accepted - started) / 1000,
            addRowsCalls: calls.filter((r) => r.status === 200).length,
            throttled: calls.filter((r) => r.status === 429).length,
        };
    } finally {
        await relay.close();
    }
}

function format(result: PushBenchmarkResult): string {
    return [
        `${result.requests} × ${result.rowsPerRequest} rows`,
        `coalesce ${result.coalesceMessages}`,
        `${result.delivered}/${result.rows} delivered in ${result.seconds.toFixed(2)} s`,
        `${result.rowsPerSecond.toFixed(1)} rows/s`,
        `accepted in ${result.acceptSeconds.toFixed(2)} s`,
        `${result.addRowsCalls} Add Rows calls`,
        `${result.throttled} × 429`,
    ].join(' | ');
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            'single-requests': { type: 'string', default: '600' },
            'bulk-requests': { type: 'string', default: '50' },
            concurrency: { type: 'string', default: '16' },
            'time-scale': { type: 'string', default: '1' },
            'timeout-seconds': { type: 'string', default: '300' },
        },
    });
    const common = {
        concurrency: Number(values.concurrency),
        timeScale: Number(values['time-scale']),
        timeoutMs: Number(values['timeout-seconds']) * 1000,
    };
    const runs: PushBenchmarkResult[] = [];
    for (const [requests, rowsPerRequest] of [
        [Number(values['single-requests']), 1],
        [Number(values['bulk-requests']), 1000],
    ] as const) {
        for (const coalesceMessages of [0, 32]) {
            const result = await runPushBenchmark({ ...common, requests, rowsPerRequest, coalesceMessages });
            runs.push(result);
            console.log(format(result));
        }
    }
    for (const rowsPerRequest of [1, 1000]) {
        const [off, on] = runs.filter((r) => r.rowsPerRequest === rowsPerRequest);
        if (off && on)
            console.log(
                `${rowsPerRequest}-row requests: coalescing ${(on.rowsPerSecond / off.rowsPerSecond).toFixed(2)}× the rows/s without it`,
            );
    }
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error);
        process.exit(1);
    });
}
