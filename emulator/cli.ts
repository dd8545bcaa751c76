#!/usr/bin/env node
import { cliUsage, parseCliArgs } from './parseCliArgs';
import { startEmulator } from './startEmulator';
import { stderrLogger } from './stderrLogger';

async function main(): Promise<void> {
    let settings;
    try {
        settings = parseCliArgs(process.argv.slice(2));
    } catch (error) {
        process.stderr.write(`${(error as Error).message}\n\n${cliUsage}`);
        process.exitCode = 2;
        return;
    }
    if (settings.help) {
        process.stdout.write(cliUsage);
        return;
    }
    const emulator = await startEmulator({
        ...settings.options,
        ...(settings.verbose ? { logger: stderrLogger() } : {}),
    });
    process.stdout.write(`Power BI emulator listening on ${emulator.url}\n`);
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        if (settings.verbose) process.stderr.write(`${signal} received, closing\n`);
        void emulator.close().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
});
