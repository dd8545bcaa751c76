import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { consoleLogger } from './logger';
import { startLocalHost, type LocalHost } from './startLocalHost';
import { readLocalSettingsFile, withEnvironmentOverrides, type LocalSettingsFile } from '../localSettingsFile';
import { stopOnSignals } from '../stopOnSignals';

const usage = `Usage: node dist/local/host/cli.js [--port 7071] [--settings local.settings.json] [--app-root .] [--verbose]

Runs the function app in --app-root (default: the current directory) like \`func start\`:
HTTP triggers on http://127.0.0.1:<port>/api/..., queue and timer triggers, with the
"Values" of the settings file as app settings.`;

/** Starts the host from command-line arguments; resolves once it is listening. */
export async function runCli(argv: string[]): Promise<LocalHost | undefined> {
    const { values } = parseArgs({
        args: argv,
        options: {
            port: { type: 'string' },
            settings: { type: 'string' },
            'app-root': { type: 'string' },
            verbose: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        process.stdout.write(usage + '\n');
        return undefined;
    }
    const appRoot = resolve(values['app-root'] ?? '.');
    const settingsPath = resolve(appRoot, values.settings ?? 'local.settings.json');
    let settingsFile: LocalSettingsFile = { values: {} };
    if (existsSync(settingsPath)) {
        settingsFile = readLocalSettingsFile(settingsPath);
    } else if (values.settings) {
        throw new Error(`Settings file ${settingsPath} does not exist.`);
    } else {
        process.stderr.write(`No ${settingsPath}; starting without app settings.\n`);
    }
    const port = values.port !== undefined ? Number(values.port) : (settingsFile.localHttpPort ?? 7071);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`--port must be a port number, got "${values.port}".`);
    }
    const { values: settings, overridden } = withEnvironmentOverrides(settingsFile.values);
    for (const name of overridden) {
        process.stderr.write(
            `Skipping '${name}' from local settings as it's already defined in current environment variables.\n`,
        );
    }
    const host = await startLocalHost({
        appRoot,
        settings,
        port,
        logger: consoleLogger(values.verbose ? 'debug' : 'information'),
    });
    process.stdout.write(`Host started: ${host.url}\n`);
    return host;
}

async function main(): Promise<void> {
    const host = await runCli(process.argv.slice(2));
    if (!host) {
        return;
    }
    stopOnSignals(() => host.close(), 'Stopping: waiting for running invocations...');
}

if (typeof module !== 'undefined' && require.main === module) {
    main().catch((error: unknown) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
