#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { kustoSeedSchema } from './control/kustoControlSchemas';
import { stderrLogger } from '../emulator/stderrLogger';
import { startKustoEmulator } from './startKustoEmulator';

const usage = `Usage: npm run kusto-emulator -- [options]

  --port <n>                  Port to listen on (0 = a free port). Default 0.
  --host <address>            Address to bind. Default 127.0.0.1.
  --token-signing-key <key>   Key of the accepted tokens (the Power BI emulator's). Default: a random key; get
                              tokens from POST /_emulator/tokens then.
  --seed <file.json>          Databases, workspaces and eventhouses to create at start.
  --verbose                   Log requests and events to stderr as JSON lines.
  --help                      Show this help.
`;

async function main(): Promise<void> {
    let values;
    try {
        ({ values } = parseArgs({
            args: process.argv.slice(2),
            options: {
                port: { type: 'string' },
                host: { type: 'string' },
                'token-signing-key': { type: 'string' },
                seed: { type: 'string' },
                verbose: { type: 'boolean' },
                help: { type: 'boolean' },
            },
            strict: true,
            allowPositionals: false,
        }));
        if (values.port !== undefined && !/^\d+$/.test(values.port))
            throw new Error(`--port must be a number, got '${values.port}'`);
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n\n${usage}`);
        process.exitCode = 2;
        return;
    }
    if (values.help) {
        process.stdout.write(usage);
        return;
    }
    const emulator = await startKustoEmulator({
        port: Number(values.port ?? 0),
        host: values.host ?? '127.0.0.1',
        ...(values['token-signing-key'] ? { tokenSigningKey: values['token-signing-key'] } : {}),
        ...(values.seed ? { seed: kustoSeedSchema.parse(JSON.parse(readFileSync(values.seed, 'utf8'))) } : {}),
        ...(values.verbose ? { logger: stderrLogger() } : {}),
    });
    process.stdout.write(`Kusto emulator listening on ${emulator.url}\n`);
    let stopping = false;
    const stop = () => {
        if (stopping) return;
        stopping = true;
        void emulator.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
});
