import { parseArgs } from 'node:util';
import { readLocalSettingsFile } from '../local/localSettingsFile';
import { loadSettings } from '../src/config/settings';
import { replayPoison, type ReplayedEntry } from '../src/push/replayPoison';
import { createStatusCounters } from '../src/status/statusCounters';
import { createStorageClients } from '../src/storage/storageClients';

const usage = `Usage: npm run replay-poison -- [--settings local.settings.json] [--dry-run] [--ingestion <id>] [--sink powerBi|eventhouse]

Sends the rows in <ROWS_QUEUE>-poison back to the rows queue, once the cause in their "failure" is fixed;
with --sink eventhouse, the Eventhouse sink's <EVENTHOUSE_QUEUE>-poison back to EVENTHOUSE_QUEUE (the push is
not sent them again).
App settings come from the environment, or from the Values of --settings. Progress goes to stderr, one JSON
line per message and the summary to stdout.`;

/** Progress on stderr: rewritten in place on a terminal, a line every `everyLines` messages otherwise. */
function progressLine(total: number, stream: NodeJS.WriteStream, everyLines = 100) {
    let seen = 0;
    const counts = { replayed: 0, 'would replay': 0, skipped: 0 };
    return {
        entry(entry: ReplayedEntry) {
            seen += 1;
            counts[entry.outcome] += 1;
            const line = `replay-poison: ${seen} of about ${Math.max(total, seen)} messages (${counts.replayed} replayed, ${counts['would replay']} would be replayed, ${counts.skipped} skipped)`;
            if (stream.isTTY) stream.write(`\r${line}`);
            else if (seen % everyLines === 0) stream.write(`${line}\n`);
        },
        end() {
            if (stream.isTTY && seen > 0) stream.write('\n');
        },
    };
}

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            settings: { type: 'string' },
            'dry-run': { type: 'boolean', default: false },
            ingestion: { type: 'string' },
            sink: { type: 'string', default: 'powerBi' },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        console.log(usage);
        return 0;
    }
    const env = values.settings ? { ...process.env, ...readLocalSettingsFile(values.settings).values } : process.env;
    const settings = loadSettings(env);
    if (values.sink !== 'powerBi' && values.sink !== 'eventhouse') {
        throw new Error(`--sink must be powerBi or eventhouse, got "${values.sink}"`);
    }
    const queueName = values.sink === 'eventhouse' ? settings.EVENTHOUSE_QUEUE : settings.ROWS_QUEUE;
    const storage = createStorageClients(settings);
    const poisonName = `${queueName}-poison`;
    const poison = storage.queueService.getQueueClient(poisonName);
    const total = (await poison.exists()) ? ((await poison.getProperties()).approximateMessagesCount ?? 0) : 0;
    // Replayed rows are counted for the status page, so they are part of the backlog until pushed again.
    const counters = createStatusCounters(storage.tableClient(settings.STATUS_TABLE), { flushMs: 1_000 });
    const progress = progressLine(total, process.stderr);
    const startedMs = Date.now();
    const entries = await replayPoison(storage.queueService, queueName, {
        dryRun: values['dry-run'],
        ...(values.ingestion ? { ingestionId: values.ingestion } : {}),
        onEntry: (entry) => {
            progress.entry(entry);
            console.log(JSON.stringify(entry));
            // Each sink's own replayed counter: the rows are that sink's backlog until delivered again. Rows whose
            // poisoning was never counted (a host copy, an unreadable message) never left the backlog.
            if (entry.outcome === 'replayed' && entry.dataset && entry.countedPoisoned)
                for (const { table, rows } of entry.tables ?? [])
                    counters.count(
                        entry.dataset,
                        table,
                        values.sink === 'powerBi' ? { replayed: rows } : { eventhouseReplayed: rows },
                    );
        },
    });
    progress.end();
    await counters.flush();
    const count = (outcome: ReplayedEntry['outcome']) => entries.filter((entry) => entry.outcome === outcome);
    const rows = (list: ReplayedEntry[]) => list.reduce((sum, entry) => sum + (entry.rows ?? 0), 0);
    const byTable = new Map<string, { messages: number; rows: number }>();
    for (const entry of entries.filter((e) => e.outcome !== 'skipped')) {
        for (const { table, rows: tableRows } of entry.tables ?? []) {
            const key = `${entry.dataset}/${table}`;
            const tally = byTable.get(key) ?? { messages: 0, rows: 0 };
            tally.messages += 1;
            tally.rows += tableRows;
            byTable.set(key, tally);
        }
    }
    const replayed = count('replayed');
    const wouldReplay = count('would replay');
    console.log(
        `${replayed.length} replayed (${rows(replayed)} rows), ${wouldReplay.length} would be replayed (${rows(wouldReplay)} rows), ${count('skipped').length} skipped (${poisonName}, ${((Date.now() - startedMs) / 1000).toFixed(1)} s)`,
    );
    for (const [table, tally] of byTable) console.log(`  ${table}: ${tally.messages} messages, ${tally.rows} rows`);
    return 0;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
    },
);
