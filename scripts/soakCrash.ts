import { parseCliOptions, readWholeNumber } from './parseCliOptions';
import { runCli } from './runCli';
import { runCrashSoak } from './soak/runCrashSoak';
import { formatCrashSoak, judgeCrashSoak, sinkTableName } from './soak/judgeCrashSoak';
import { toMarkdownTable } from './soak/toMarkdownTable';

const usage = `Usage: npm run soak:crash -- [--host-kills 100] [--azurite-kills 3] [--rate 8] [--senders 4] [--large-every 50]
                              [--queue-lease-seconds 5] [--drain-timeout 600] [--host-log FILE] [--dual-write] [--json]

Runs Azurite (on-disk data), the Power BI emulator and one Functions host, each its own process, and sends mixed
webhook requests (mostly 1-50 rows, every --large-every-th 5,000-20,000) at --rate requests a second into a table with
a marker column and one without. Phase 1 SIGKILLs the host --host-kills times at random moments (0.3-3 s after it is
up) and restarts it at once; phase 2 SIGKILLs Azurite --azurite-kills times (down 1 s, restarted on its data). After
each phase it waits for the rows queue to drain and counts every row id in the emulator and the poison queue.
--dual-write delivers the dataset to an Eventhouse too (the Kusto emulator, its own process, set up as fabric-setup
would) and counts each sink: the Eventhouse in its dedup view (and the raw table's copies, reported).
Exits 1 when phase 1 lost a row, duplicated one in the marker table, or made more copies in the other than the relay
reported unconfirmed; with --dual-write also when it lost a row or left one twice in the Eventhouse's dedup view.`;

const usageError = (message: string) => new Error(`${message}\n\n${usage}`);

async function main(): Promise<number> {
    const values = parseCliOptions(
        process.argv.slice(2),
        {
            'host-kills': { type: 'string', default: '100' },
            'azurite-kills': { type: 'string', default: '3' },
            rate: { type: 'string', default: '8' },
            senders: { type: 'string', default: '4' },
            'large-every': { type: 'string', default: '50' },
            'queue-lease-seconds': { type: 'string', default: '5' },
            'drain-timeout': { type: 'string', default: '600' },
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
    const whole = (
        name:
            | 'host-kills'
            | 'azurite-kills'
            | 'rate'
            | 'senders'
            | 'large-every'
            | 'queue-lease-seconds'
            | 'drain-timeout',
        min: number,
    ) => readWholeNumber(values[name], name, min, usageError);
    const started = Date.now();
    const results = await runCrashSoak({
        hostKills: whole('host-kills', 1),
        azuriteKills: whole('azurite-kills', 0),
        killAfterMs: [300, 3_000],
        azuriteDownMs: 1_000,
        azuriteRequests: 20 * whole('rate', 1),
        senders: whole('senders', 1),
        ratePerSecond: whole('rate', 1),
        largeEvery: whole('large-every', 2),
        smallRows: [1, 50],
        largeRows: [5_000, 20_000],
        queueLeaseSeconds: whole('queue-lease-seconds', 2),
        drainTimeoutSeconds: whole('drain-timeout', 10),
        onProgress: (text) => process.stderr.write(`${text}\n`),
        ...(values['host-log'] !== undefined ? { hostLogPath: values['host-log'] } : {}),
        dualWrite: values['dual-write'],
    });
    const broken = judgeCrashSoak(results);
    if (values.json) {
        process.stdout.write(`${JSON.stringify({ results, broken }, null, 2)}\n`);
    } else {
        const { header, rows } = formatCrashSoak(results);
        process.stdout.write(`${toMarkdownTable(header, rows)}\n`);
        process.stdout.write(`${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
        for (const problem of broken) process.stdout.write(`not met: ${problem}\n`);
        for (const result of results)
            for (const table of result.tables) {
                if (table.lost > 0)
                    process.stdout.write(
                        `${result.phase}, ${sinkTableName(table)}: lost ids ${table.lostIds.join(', ')}\n`,
                    );
                if (table.duplicated > 0)
                    process.stdout.write(
                        `${result.phase}, ${sinkTableName(table)}: duplicated ids ${table.duplicatedIds.join(', ')}\n`,
                    );
            }
    }
    return broken.length > 0 ? 1 : 0;
}

runCli(main);
