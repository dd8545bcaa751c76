import { parseArgs } from 'node:util';
import { readLocalSettingsFile } from '../local/localSettingsFile';
import { loadSettings } from '../src/config/settings';
import { replayPoison } from '../src/push/replayPoison';
import { createStorageClients } from '../src/storage/storageClients';

const usage = `Usage: npm run replay-poison -- [--settings local.settings.json] [--dry-run] [--ingestion <id>]

Sends the rows in <ROWS_QUEUE>-poison back to the rows queue, once the cause in their "failure" is fixed.
App settings come from the environment, or from the Values of --settings.`;

async function main(): Promise<number> {
    const { values } = parseArgs({
        options: {
            settings: { type: 'string' },
            'dry-run': { type: 'boolean', default: false },
            ingestion: { type: 'string' },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        console.log(usage);
        return 0;
    }
    const env = values.settings ? { ...process.env, ...readLocalSettingsFile(values.settings).values } : process.env;
    const settings = loadSettings(env);
    const entries = await replayPoison(createStorageClients(settings).queueService, settings.ROWS_QUEUE, {
        dryRun: values['dry-run'],
        ...(values.ingestion ? { ingestionId: values.ingestion } : {}),
    });
    for (const entry of entries) console.log(JSON.stringify(entry));
    const count = (outcome: string) => entries.filter((entry) => entry.outcome === outcome).length;
    console.log(
        `${count('replayed')} replayed, ${count('would replay')} would be replayed, ${count('skipped')} skipped (${settings.ROWS_QUEUE}-poison)`,
    );
    return 0;
}

main().then(
    (code) => process.exit(code),
    (error: unknown) => {
        console.error(error instanceof Error ? error.message : String(error));
        process.exit(1);
    },
);
