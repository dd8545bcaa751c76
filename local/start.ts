import { parseArgs } from 'node:util';
import { appRoot } from '../src/config/appRoot';
import { readFunctionKeys } from './host/functionKeys';
import { toAzuriteConnectionString } from './startAzurite';
import { startHostsLocally, startRelayLocally, type LocalHosts } from './startRelayLocally';
import { stopOnSignals } from './stopOnSignals';

const usage = `Usage: npm start [-- --port 7071] [--emulator-port 5300] [--kusto-emulator-port 5310] [--free-ports] [--time-scale 1] [--instances 1]
                 [--config FILE] [--keys FILE] [--storage CONNECTION|BLOB,QUEUE,TABLE --emulator URL [--kusto-emulator URL]]
                 [--queue-lease-seconds 600]

Starts Azurite, the Power BI emulator (with a demo workspace), the Kusto emulator when the config names an eventhouse,
and the local Functions host. Ctrl-C stops them.

  --kusto-emulator-port N
                  the Kusto emulator's port, when the config names an eventhouse (default 5310)
  --instances N   run N Functions hosts sharing Azurite and the emulator (host k on --port + k - 1)
  --config FILE   use FILE as the relay's config (PBI_RELAY_CONFIG) instead of pbi-relay.config.json
  --keys FILE     enforce the access keys in FILE ({"masterKey", "hostKeys": {name: key}, "functionKeys":
                  {function: {name: key}}}) by each function's authLevel, as Azure does; default: no keys checked
  --storage S     with --emulator: start only the Functions hosts, on the Azurite (or account) of connection string S, or
                  of an Azurite on 127.0.0.1 with ports BLOB,QUEUE,TABLE; --emulator URL: the Power BI emulator already
                  running there (npm run emulator -- --seed local/demo.seed.json); --kusto-emulator URL: the Kusto
                  emulator already running there (set up with npm run fabric-setup), for a config that names an
                  eventhouse. None of them is stopped on Ctrl-C.
  --queue-lease-seconds N
                  how long a queue message a host received stays hidden (renewed while it runs); default 600 (the
                  host's 10 minutes). What a killed host held comes back after N seconds.

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
            storage: { type: 'string' },
            emulator: { type: 'string' },
            'kusto-emulator': { type: 'string' },
            'queue-lease-seconds': { type: 'string' },
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
    const leaseSeconds =
        values['queue-lease-seconds'] !== undefined ? Number(values['queue-lease-seconds']) : undefined;
    if (leaseSeconds !== undefined && (!Number.isInteger(leaseSeconds) || leaseSeconds < 2 || leaseSeconds > 3600)) {
        throw new Error(
            `--queue-lease-seconds must be a whole number from 2 to 3600, got "${values['queue-lease-seconds']}"`,
        );
    }
    if ((values.storage === undefined) !== (values.emulator === undefined)) {
        throw new Error('--storage and --emulator go together: the hosts alone, on a running Azurite and emulator');
    }
    if (values['kusto-emulator'] !== undefined && values.storage === undefined) {
        throw new Error('--kusto-emulator goes with --storage and --emulator (npm start runs its own Kusto emulator)');
    }
    const common = {
        instances,
        ...(values.config !== undefined ? { configPath: values.config } : {}),
        ...(values.keys !== undefined ? { keys: readFunctionKeys(values.keys) } : {}),
        ...(leaseSeconds !== undefined ? { queueLeaseSeconds: leaseSeconds } : {}),
        appRoot: appRoot(__dirname),
        port: free ? 0 : Number(values.port ?? 7071),
    };
    let relay: LocalHosts & {
        emulatorUrl: string;
        kustoEmulator?: { url: string; databases?: string[] };
        storagePorts: { blob: number; queue: number; table: number };
    };
    if (values.storage !== undefined && values.emulator !== undefined) {
        const storage = toConnectionString(values.storage);
        const emulatorUrl = values.emulator.replace(/\/+$/, '');
        const kustoUrl = values['kusto-emulator']?.replace(/\/+$/, '');
        const hosts = await startHostsLocally({
            ...common,
            storage,
            emulatorUrl,
            ...(kustoUrl !== undefined ? { kustoEmulatorUrl: kustoUrl } : {}),
        });
        relay = {
            ...hosts,
            emulatorUrl,
            ...(kustoUrl !== undefined ? { kustoEmulator: { url: kustoUrl } } : {}),
            storagePorts: readStoragePorts(storage),
        };
        stopOnSignals(() => hosts.close(), '\nStopping pbi-relay...');
    } else {
        const started = await startRelayLocally({
            ...common,
            emulatorPort: free ? 0 : Number(values['emulator-port'] ?? 5300),
            kustoEmulatorPort: free ? 0 : Number(values['kusto-emulator-port'] ?? 5310),
            storagePorts: free ? { blob: 0, queue: 0, table: 0 } : undefined,
            timeScale: values['time-scale'] ? Number(values['time-scale']) : undefined,
        });
        relay = {
            ...started,
            emulatorUrl: started.emulator.url,
            ...(started.kusto
                ? { kustoEmulator: { url: started.kusto.kusto.url, databases: started.kusto.databases } }
                : {}),
            storagePorts: {
                blob: started.azurite.blobPort,
                queue: started.azurite.queuePort,
                table: started.azurite.tablePort,
            },
        };
        stopOnSignals(() => started.close(), '\nStopping pbi-relay, the Power BI emulator and Azurite...');
    }

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
            `Power BI emulator  ${relay.emulatorUrl}  (workspace ${relay.settings.POWERBI_WORKSPACE_ID}; see ${relay.emulatorUrl}/_emulator/datasets)`,
            ...(relay.kustoEmulator
                ? [
                      `Kusto emulator     ${relay.kustoEmulator.url}  (${relay.kustoEmulator.databases ? `databases ${relay.kustoEmulator.databases.join(', ')}; ` : ''}see ${relay.kustoEmulator.url}/_emulator/tables)`,
                  ]
                : []),
            `Azurite            blob ${relay.storagePorts.blob}, queue ${relay.storagePorts.queue}, table ${relay.storagePorts.table}`,
            '',
            "Push the walkthrough's Product rows:",
            `  curl -i -X POST ${relay.url}/api/datasets/SalesMarketing/tables/Product/rows -H 'Content-Type: application/json' -d '${rows}'`,
            'See them arrive in the emulator:',
            `  curl -s ${relay.emulatorUrl}/_emulator/datasets`,
            'Start the demo refresh and read its history:',
            `  curl -i -X POST ${relay.url}/api/refreshes -H 'Content-Type: application/json' -d '{"target":"demo"}'`,
            `  curl -s ${relay.url}/api/refreshes`,
            '',
            `pbi-relay ready: ${relay.url}`,
            '',
        ].join('\n'),
    );
}

/** `--storage`: a connection string, or the ports of an Azurite on 127.0.0.1 as BLOB,QUEUE,TABLE. */
function toConnectionString(storage: string): string {
    const ports = /^(\d+),(\d+),(\d+)$/.exec(storage.trim());
    if (!ports) return storage;
    return toAzuriteConnectionString({ blob: Number(ports[1]), queue: Number(ports[2]), table: Number(ports[3]) });
}

/** The Blob, Queue and Table ports a connection string names (Azurite's 10000-10002 for development storage). */
function readStoragePorts(connectionString: string): { blob: number; queue: number; table: number } {
    const port = (service: string, fallback: number) => {
        const endpoint = new RegExp(`${service}Endpoint=([^;]+)`, 'i').exec(connectionString)?.[1];
        if (endpoint === undefined) return fallback;
        const url = new URL(endpoint);
        return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    };
    return { blob: port('Blob', 10000), queue: port('Queue', 10001), table: port('Table', 10002) };
}

main().catch((error: unknown) => {
    process.stderr.write(`pbi-relay could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
