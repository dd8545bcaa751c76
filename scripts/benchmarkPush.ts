import { parseArgs } from 'node:util';
import {
    runScenario,
    scenarioNames,
    type ScenarioName,
    type ScenarioOptions,
    type ScenarioResult,
} from './bench/pushScenarios';

const usage = `Usage: npm run bench:push -- [--scenario backlog|sustained|cliff|instances|accept|dualWrite|all] [options]

Each scenario starts its own \`npm start -- --free-ports\` and prints one table row.
  backlog    --requests one-row webhook requests (default 10000) from --senders (32) at once
  sustained  one-row requests at --rate per second (50) for --seconds (240), time scale 1, with the hourly
             row limit lowered to --hourly-rows (10000) in the emulator and in the relay (PUSH_MAX_ROWS_PER_HOUR)
  cliff      a defaultRetentionPolicy None table filled with --fill-rows (250000) first, the emulator's cliff
             at --cliff-rows (250000) with --cliff-calls-per-hour (120) past it, then --requests one-row requests
             (default 5000)
  instances  the backlog through --instances (3) Functions hosts
  accept     --requests (default 5000) raw Azurite enqueues, then as many webhook requests, same queue
  dualWrite  the backlog's --requests (default 5000) with examples/dual-write.config.json: one row per sink, push
             dataset and Eventhouse (Kusto emulator), each with its rows/s and lag from the last 202
Other options: --timeout-seconds (300) to wait for the rows after the last 202,
  --relay-setting NAME=VALUE (repeatable) for more app settings, --relay-log DIR to write what each scenario's
  relay prints to DIR/<scenario>.log, --json to print the results as JSON.`;

const defaultRequests: Record<ScenarioName, number> = {
    backlog: 10_000,
    sustained: 0,
    cliff: 5_000,
    instances: 10_000,
    accept: 5_000,
    dualWrite: 5_000,
};

/** Add Rows figures, which the Eventhouse row of a dual-write run does not have. */
const pushOnly = (r: ScenarioResult, cell: () => string) => (r.sink === 'eventhouse' ? '-' : cell());

const columns: [string, (r: ScenarioResult) => string][] = [
    ['scenario', (r) => r.scenario],
    ['sink', (r) => r.sink],
    ['accepted', (r) => `${r.accepted}/${r.requests}`],
    ['accept/s', (r) => r.acceptRate.toFixed(0)],
    ['p99 ms', (r) => r.p99Ms.toFixed(0)],
    ['rows/s', (r) => r.rowsPerSecond.toFixed(0)],
    ['lag s', (r) => (r.lagSeconds === undefined ? '-' : r.lagSeconds.toFixed(1))],
    ['rows/call', (r) => pushOnly(r, () => r.rowsPerCall.toFixed(1))],
    ['calls/min (peak)', (r) => pushOnly(r, () => String(r.peakCallsPerMinute))],
    ['rows/h (peak) / limit', (r) => pushOnly(r, () => `${r.peakRowsPerHour} / ${r.rowsPerHourLimit}`)],
    ['429s', (r) => pushOnly(r, () => String(r.throttled))],
    ['duplicates', (r) => String(r.duplicates)],
    ['missing', (r) => String(r.missing)],
    ['notes', (r) => r.notes.join('; ')],
];

export function formatTable(results: readonly ScenarioResult[]): string {
    // A dual-write run is two rows, one per sink.
    const perSink = results.flatMap((r) => (r.eventhouse ? [r, r.eventhouse] : [r]));
    const rows = [columns.map(([name]) => name), ...perSink.map((r) => columns.map(([, cell]) => cell(r)))];
    const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
    return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join(
        '\n',
    );
}

function toNumber(value: string | undefined, name: string): number | undefined {
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
    return number;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            scenario: { type: 'string', default: 'all' },
            requests: { type: 'string' },
            senders: { type: 'string', default: '32' },
            instances: { type: 'string', default: '3' },
            rate: { type: 'string', default: '50' },
            seconds: { type: 'string', default: '240' },
            'hourly-rows': { type: 'string', default: '10000' },
            'fill-rows': { type: 'string', default: '250000' },
            'cliff-rows': { type: 'string', default: '250000' },
            'cliff-calls-per-hour': { type: 'string', default: '120' },
            'timeout-seconds': { type: 'string', default: '300' },
            'relay-setting': { type: 'string', multiple: true, default: [] },
            'relay-log': { type: 'string' },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        console.log(usage);
        return;
    }
    const selected = values.scenario === 'all' ? [...scenarioNames] : [values.scenario as ScenarioName].filter(Boolean);
    for (const name of selected) {
        if (!scenarioNames.includes(name)) {
            throw new Error(`--scenario must be one of ${scenarioNames.join(', ')} or all, got "${name}"`);
        }
    }
    const relaySettings: Record<string, string> = {};
    for (const pair of values['relay-setting']) {
        const at = pair.indexOf('=');
        if (at <= 0) throw new Error(`--relay-setting must be NAME=VALUE, got "${pair}"`);
        relaySettings[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const common: Omit<ScenarioOptions, 'requests'> = {
        senders: toNumber(values.senders, 'senders')!,
        instances: toNumber(values.instances, 'instances')!,
        rate: toNumber(values.rate, 'rate')!,
        seconds: toNumber(values.seconds, 'seconds')!,
        hourlyRows: toNumber(values['hourly-rows'], 'hourly-rows')!,
        fillRows: toNumber(values['fill-rows'], 'fill-rows')!,
        cliffRows: toNumber(values['cliff-rows'], 'cliff-rows')!,
        cliffCallsPerHour: toNumber(values['cliff-calls-per-hour'], 'cliff-calls-per-hour')!,
        timeoutSeconds: toNumber(values['timeout-seconds'], 'timeout-seconds')!,
        relaySettings,
        ...(values['relay-log'] !== undefined ? { relayLogDir: values['relay-log'] } : {}),
    };
    const requests = toNumber(values.requests, 'requests');
    const results: ScenarioResult[] = [];
    for (const name of selected) {
        process.stderr.write(`Running ${name}...\n`);
        results.push(await runScenario(name, { ...common, requests: requests ?? defaultRequests[name] }));
        process.stderr.write(`${formatTable(results.slice(-1))}\n`);
    }
    console.log(values.json ? JSON.stringify(results, null, 2) : formatTable(results));
}

if (require.main === module) {
    main().catch((error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    });
}
