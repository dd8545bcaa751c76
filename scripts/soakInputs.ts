import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QueueClient } from '@azure/storage-queue';
import { startRelayLocally } from '../local/startRelayLocally';
import { appRoot } from '../src/config/appRoot';
import { inputCorpus, sendCase, type CaseAnswer, type InputCase } from './inputCorpus';

const usage = `Usage: npm run soak:inputs -- [--scale 4] [--huge-mb 1024] [--json]

Starts Azurite, the emulator and two Functions hosts enforcing access keys (as npm start -- --instances 2 --keys),
sends the generated corpus of bad and edge-case requests (about 90 per --scale) and a chunked body of --huge-mb MiB,
waits for the accepted rows to reach Power BI and prints one table row.`;

const secretOf = (text: string) => `whsec_${Buffer.from(text.padEnd(32, '.')).toString('base64')}`;

async function main(): Promise<void> {
    const { values } = parseArgs({
        args: process.argv.slice(2),
        options: {
            scale: { type: 'string', default: '4' },
            'huge-mb': { type: 'string', default: '1024' },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return;
    }
    const scale = Number(values.scale);
    const hugeMb = Number(values['huge-mb']);
    if (!Number.isInteger(scale) || scale < 1 || !Number.isFinite(hugeMb) || hugeMb <= 0) {
        throw new Error('--scale must be a whole number of at least 1 and --huge-mb a positive number');
    }
    const root = appRoot(__dirname);
    const temp = mkdtempSync(join(tmpdir(), 'pbi-relay-soak-inputs-'));
    const config = JSON.parse(readFileSync(join(root, 'pbi-relay.config.json'), 'utf8')) as {
        datasets: { name: string }[];
    };
    const configPath = join(temp, 'soak.config.json');
    writeFileSync(
        configPath,
        JSON.stringify({
            ...config,
            $schema: undefined,
            datasets: [
                ...config.datasets,
                { ...structuredClone(config.datasets[0]!), name: 'SignedSales', signedBy: ['erp'] },
            ],
            webhookSenders: [{ name: 'erp', secretSettings: ['ERP_WEBHOOK_SECRET'] }],
        }),
    );
    const senderKey = 'sender-key-0123456789abcdef';
    const senderSecret = secretOf('the sender');
    const maxBodyBytes = 16 * 1024 * 1024;
    const local = await startRelayLocally({
        appRoot: root,
        instances: 2,
        port: 0,
        emulatorPort: 0,
        storagePorts: { blob: 0, queue: 0, table: 0 },
        configPath,
        keys: {
            masterKey: 'master-key-0123456789abcdef',
            hostKeys: { operators: 'operator-key-0123456789abcdef' },
            functionKeys: { ingestRows: { erp: senderKey }, ingestSource: { erp: senderKey } },
        },
        settings: { INGEST_MAX_BODY_BYTES: String(maxBodyBytes), ERP_WEBHOOK_SECRET: senderSecret },
        logger: () => undefined,
    });
    try {
        const startedAt = Date.now();
        const cases = inputCorpus({
            maxBodyBytes,
            senderKey,
            senderSecret,
            strangerSecret: secretOf('someone else'),
            signedDataset: 'SignedSales',
            scale,
            hugeBodyBytes: hugeMb * 1024 * 1024,
        });
        const huge = cases.at(-1)!;
        const answers: (CaseAnswer & { input: InputCase })[] = [];
        const batches = cases.slice(0, -1);
        for (let first = 0; first < batches.length; first += 8) {
            answers.push(
                ...(await Promise.all(
                    batches
                        .slice(first, first + 8)
                        .map(async (input, i) => ({ input, ...(await sendCase(local.hosts[i % 2]!.url, input)) })),
                )),
            );
        }
        // The huge body alone, sampling this process's RSS (both hosts and the emulator run in it) while it is refused.
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
        answers.push({ input: huge, ...(await sendCase(local.hosts[0]!.url, huge)) });
        clearInterval(sampler);

        const expected = new Map(answers.map((a) => [a.input.marker, a.status === 202 ? a.input.rows : 0]));
        const accepted = [...expected.values()].reduce((sum, rows) => sum + rows, 0);
        const delivered = async () => {
            const counts = new Map<string, number>();
            for (const dataset of await local.emulator.datasets()) {
                for (const table of dataset.tables) {
                    for (const row of table.rows ?? [])
                        counts.set(String(row.Name), (counts.get(String(row.Name)) ?? 0) + 1);
                }
            }
            return counts;
        };
        const deadline = Date.now() + 120_000;
        let counts = await delivered();
        while (Date.now() < deadline && [...expected].some(([marker, rows]) => (counts.get(marker) ?? 0) < rows)) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            counts = await delivered();
        }
        const lost = [...expected].reduce(
            (sum, [marker, rows]) => sum + Math.max(0, rows - (counts.get(marker) ?? 0)),
            0,
        );
        const extra = [...expected].reduce(
            (sum, [marker, rows]) => sum + Math.max(0, (counts.get(marker) ?? 0) - rows),
            0,
        );
        const poison = new QueueClient(local.azurite.connectionString, `${local.settings.ROWS_QUEUE}-poison`);
        const poisoned = (await poison.exists()) ? ((await poison.getProperties()).approximateMessagesCount ?? 0) : 0;
        const result = {
            cases: answers.length,
            accepted202: answers.filter((a) => a.status === 202).length,
            refused4xx: answers.filter((a) => a.status >= 400 && a.status < 500).length,
            errors5xx: answers.filter((a) => a.status >= 500).length,
            unexpected: answers
                .filter((a) => !a.input.expect.includes(a.status))
                .map((a) => `${a.input.name}: ${a.status}`),
            rowsAccepted: accepted,
            rowsLost: lost,
            rowsExtra: extra,
            poisoned,
            largestAnswerBytes: Math.max(...answers.map((a) => a.body.length)),
            hugeBody: `${hugeMb} MiB chunked -> ${answers.at(-1)!.status}`,
            peakRssMb: Math.round(peakRss / 1024 / 1024),
            seconds: Math.round((Date.now() - startedAt) / 1000),
        };
        if (values.json) {
            process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        } else {
            const row = Object.entries(result).map(([name, value]): [string, string] => [
                name,
                Array.isArray(value) ? String(value.length) : String(value),
            ]);
            const widths = row.map(([name, value]) => Math.max(name.length, value.length));
            const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
            process.stdout.write(
                [
                    line(row.map(([name]) => name)),
                    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
                    line(row.map(([, v]) => v)),
                ].join('\n') + '\n',
            );
            for (const miss of result.unexpected) process.stdout.write(`unexpected: ${miss}\n`);
        }
        if (result.errors5xx > 0 || result.unexpected.length > 0 || lost > 0 || extra > 0) process.exitCode = 1;
    } finally {
        await local.close();
        rmSync(temp, { recursive: true, force: true });
    }
}

main().then(
    // The hosts run their worker in this process, and @azure/functions' HTTP stream proxy (enableHttpStream) keeps
    // listening until the process ends (in Azure the host ends the worker process): so the script ends itself.
    () => process.exit(),
    (error: unknown) => {
        process.stderr.write(`soak:inputs failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    },
);
