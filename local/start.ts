import { parseArgs } from 'node:util';
import { appRoot } from '../src/config/appRoot';
import { readFunctionKeys } from './host/functionKeys';
import { startRelayLocally } from './startRelayLocally';
import { stopOnSignals } from './stopOnSignals';

const usage = `Usage: npm start [-- --port 7071] [--emulator-port 5300] [--kusto-emulator-port 5310] [--free-ports] [--time-scale 1] [--instances 1] [--config FILE] [--keys FILE]

Starts Azurite, the Power BI emulator (with a demo workspace), the Kusto emulator when the config names an eventhouse,
and the local Functions host. Ctrl-C stops them.

  --instances N   run N Functions hosts sharing Azurite and the emulator (host k on --port + k - 1)
  --config FILE   use FILE as the relay's config (PBI_RELAY_CONFIG) instead of pbi-relay.config.json
  --keys FILE     enforce the access keys in FILE ({"masterKey", "hostKeys": {name: key}, "functionKeys":
                  {function: {name: key}}}) by each function's authLevel, as Azure does; default: no keys checked

Environment variables override the app settings of local.settings.sample.json with the same name.`;

async function main(): Promise<void> {
    const { values } = parseArgs({
        args: process.argv.slice(2),
        options: {
            port: { type: 'string' },
            'emulator-port': { type: 'string' },
            'kusto-emulator-port': { type: 'string' },
            'free-ports': { type: 'boolean', default: false },
            'time-scale': { type: 'string' },
            instances: { type: 'string', default: '1' },
            config: { type: 'string' },
            keys: { type: 'string' },
            help: { type: 'boolean', short: 'h', default: false },
        },
    });
    if (values.help) {
        process.stdout.write(`${usage}\n`);
        return;
    }
    const free = values['free-ports'];
    const instances = Number(values.instances);
    if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
        throw new Error(`--instances must be a whole number from 1 to 16, got "${values.instances}"`);
    }
    const relay = await startRelayLocally({
        instances,
        ...(values.config !== undefined ? { configPath: values.config } : {}),
        ...(values.keys !== undefined ? { keys: readFunctionKeys(values.keys) } : {}),
        appRoot: appRoot(__dirname),
        port: free ? 0 : Number(values.port ?? 7071),
        emulatorPort: free ? 0 : Number(values['emulator-port'] ?? 5300),
        kustoEmulatorPort: free ? 0 : Number(values['kusto-emulator-port'] ?? 5310),
        storagePorts: free ? { blob: 0, queue: 0, table: 0 } : undefined,
        timeScale: values['time-scale'] ? Number(values['time-scale']) : undefined,
    });
    stopOnSignals(() => relay.close(), '\nStopping pbi-relay, the Power BI emulator and Azurite...');

    const rows = JSON.stringify({
        rows: [
            {
                ProductID: 1,
                Name: 'Adjustable Race',
                Category: 'Components',
                IsCompete: true,
                ManufacturedOn: '2014-07-30T00:00:00Z',
            },
            {
                ProductID: 2,
                Name: 'LL Crankarm',
                Category: 'Components',
                IsCompete: false,
                ManufacturedOn: '2014-07-30T00:00:00Z',
            },
        ],
    });
    process.stdout.write(
        [
            '',
            ...relay.overridden.map((name) => `Environment sets   ${name} (instead of local.settings.sample.json)`),
            ...relay.hosts.map((host) => `Functions host     ${host.url}  (functions: ${host.functions.join(', ')})`),
            `Status page        ${relay.url}/api/status`,
            `Power BI emulator  ${relay.emulator.url}  (workspace ${relay.settings.POWERBI_WORKSPACE_ID}; see ${relay.emulator.url}/_emulator/datasets)`,
            ...(relay.kusto
                ? [
                      `Kusto emulator     ${relay.kusto.kusto.url}  (databases ${relay.kusto.databases.join(', ')}; see ${relay.kusto.kusto.url}/_emulator/tables)`,
                  ]
                : []),
            `Azurite            blob ${relay.azurite.blobPort}, queue ${relay.azurite.queuePort}, table ${relay.azurite.tablePort}`,
            '',
            "Push the walkthrough's Product rows:",
            `  curl -i -X POST ${relay.url}/api/datasets/SalesMarketing/tables/Product/rows -H 'Content-Type: application/json' -d '${rows}'`,
            'See them arrive in the emulator:',
            `  curl -s ${relay.emulator.url}/_emulator/datasets`,
            'Start the demo refresh and read its history:',
            `  curl -i -X POST ${relay.url}/api/refreshes -H 'Content-Type: application/json' -d '{"target":"demo"}'`,
            `  curl -s ${relay.url}/api/refreshes`,
            '',
            `pbi-relay ready: ${relay.url}`,
            '',
        ].join('\n'),
    );
}

main().catch((error: unknown) => {
    process.stderr.write(`pbi-relay could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
