import { parseCliOptions, readWholeNumber } from './parseCliOptions';
import { runCli } from './runCli';
import { faultPhases } from './soak/faultPhases';
import { formatFaultSoak, judgeFaultSoak, runFaultSoak } from './soak/runFaultSoak';
import { toMarkdownTable } from './soak/toMarkdownTable';

const usage = `Usage: npm run soak:faults -- [--requests 200] [--rate 10] [--senders 4] [--large-every 25] [--phase NAME]...
                               [--drain-timeout 300] [--host-log FILE] [--dual-write] [--json]

Runs Azurite (on-disk data), the Power BI emulator and one Functions host, each its own process, and goes through the
emulator's fault matrix, one phase each: ${faultPhases
    .filter((phase) => !phase.kustoFaults)
    .map((phase) => phase.name)
    .join('; ')}.
In each phase --requests webhook requests (1-30 rows, every --large-every-th 500-2,000) go at --rate a second into a
table with a marker column and one without while the phase's faults are injected again and again; then the faults
are cleared, the rows queue drained, and every row id counted in the emulator and the poison queue. --phase (repeatable)
runs only the phases named. --dual-write delivers the dataset to an Eventhouse too (the Kusto emulator, its own process),
counts each sink (the Eventhouse in its dedup view) and adds the Kusto fault phases: ${faultPhases
    .filter((phase) => phase.kustoFaults)
    .map((phase) => phase.name)
    .join('; ')}.
Exits 1 when a phase lost a row, duplicated one in the marker table, or made more copies in the other than the relay
reported unconfirmed; with --dual-write also when it lost a row or left one twice in the Eventhouse's dedup view.`;

const usageError = (message: string) => new Error(`${message}\n\n${usage}`);

async function main(): Promise<number> {
    const values = parseCliOptions(
        process.argv.slice(2),
        {
            requests: { type: 'string', default: '200' },
            rate: { type: 'string', default: '10' },
            senders: { type: 'string', default: '4' },
            'large-every': { type: 'string', default: '25' },
            phase: { type: 'string', multiple: true },
            'drain-timeout': { type: 'string', default: '300' },
            'host-log': { type: 'string' },
            'dual-write': { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
        usageError,
    );
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return 0;
    }
    const whole = (name: 'requests' | 'rate' | 'senders' | 'large-every' | 'drain-timeout', min: number) =>
        readWholeNumber(values[name], name, min, usageError);
    const names = values.phase ?? [];
    const unknown = names.filter((name) => !faultPhases.some((phase) => phase.name === name));
    if (unknown.length > 0) throw usageError(`Unknown --phase: ${unknown.join(', ')}`);
    const dualWrite = values['dual-write'];
    const offered = faultPhases.filter((phase) => dualWrite || !phase.kustoFaults);
    const needDualWrite = names.filter((name) => !offered.some((phase) => phase.name === name));
    if (needDualWrite.length > 0) throw usageError(`--phase ${needDualWrite.join(', ')} needs --dual-write`);
    const started = Date.now();
    const results = await runFaultSoak({
        phases: names.length === 0 ? offered : offered.filter((phase) => names.includes(phase.name)),
        requestsPerPhase: whole('requests', 1),
        senders: whole('senders', 1),
        ratePerSecond: whole('rate', 1),
        largeEvery: whole('large-every', 2),
        smallRows: [1, 30],
        largeRows: [500, 2_000],
        clientTimeoutMs: 3_000,
        drainTimeoutSeconds: whole('drain-timeout', 10),
        onProgress: (text) => process.stderr.write(`${text}\n`),
        ...(values['host-log'] !== undefined ? { hostLogPath: values['host-log'] } : {}),
        dualWrite,
    });
    const broken = judgeFaultSoak(results);
    if (values.json) {
        process.stdout.write(`${JSON.stringify({ results, broken }, null, 2)}\n`);
    } else {
        const { header, rows } = formatFaultSoak(results);
        process.stdout.write(`${toMarkdownTable(header, rows)}\n`);
        for (const result of results)
            for (const [reason, rowCount] of Object.entries(result.poisonReasons))
                process.stdout.write(`${result.phase}: ${rowCount} rows poisoned: ${reason}\n`);
        process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
        for (const problem of broken) process.stdout.write(`not met: ${problem}\n`);
    }
    return broken.length > 0 ? 1 : 0;
}

runCli(main);
