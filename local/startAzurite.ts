import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Azurite's well-known development account (https://github.com/Azure/Azurite#default-storage-account). */
export const devStoreAccountName = 'devstoreaccount1';
export const devStoreAccountKey =
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
    /** Shared-key connection string with explicit Blob/Queue/Table endpoints for this instance's ports. */
    connectionString: string;
    blobPort: number;
    queuePort: number;
    tablePort: number;
    /** Stops the Azurite process; safe to call more than once. */
    stop(): Promise<void>;
}

export interface StartAzuriteOptions {
    /** How long to wait for all three services to listen. Default 30 s. */
    startTimeoutMs?: number;
    /** Ports to listen on; 0 (the default) picks free ones. `npm start` uses Azurite's usual 10000-10002. */
    ports?: { blob: number; queue: number; table: number };
}

const listeningLine = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Starts an in-memory Azurite (on free ports unless told otherwise) as a child process and resolves once Blob, Queue and
 * Table all listen. The child is a separate process (not Azurite's deep imports) because the CLI is
 * Azurite's only stable surface. `--disableTelemetry` matters offline: without it Azurite logs
 * ENOTFOUND errors for Application Insights.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
    const azuriteMain = require.resolve('azurite/dist/src/azurite.js');
    const child = spawn(
        process.execPath,
        [
            azuriteMain,
            '--inMemoryPersistence',
            '--silent',
            '--skipApiVersionCheck',
            '--loose',
            '--disableTelemetry',
            '--blobPort',
            String(options.ports?.blob ?? 0),
            '--queuePort',
            String(options.ports?.queue ?? 0),
            '--tablePort',
            String(options.ports?.table ?? 0),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A crashed test run must not leave Azurite behind.
    const killOnExit = (): void => {
        child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);

    const stop = async (): Promise<void> => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
    };

    try {
        const ports = await readPorts(child, options.startTimeoutMs ?? 30_000);
        const connectionString = [
            'DefaultEndpointsProtocol=http',
            `AccountName=${devStoreAccountName}`,
            `AccountKey=${devStoreAccountKey}`,
            `BlobEndpoint=http://127.0.0.1:${ports.Blob}/${devStoreAccountName}`,
            `QueueEndpoint=http://127.0.0.1:${ports.Queue}/${devStoreAccountName}`,
            `TableEndpoint=http://127.0.0.1:${ports.Table}/${devStoreAccountName}`,
        ].join(';');
        return {
            connectionString: connectionString + ';',
            blobPort: ports.Blob,
            queuePort: ports.Queue,
            tablePort: ports.Table,
            stop,
        };
    } catch (error) {
        await stop();
        throw error;
    }
}

type ServiceName = 'Blob' | 'Queue' | 'Table';

function readPorts(child: ChildProcess, timeoutMs: number): Promise<Record<ServiceName, number>> {
    return new Promise((resolve, reject) => {
        const ports: Partial<Record<ServiceName, number>> = {};
        const output: string[] = [];
        const lines = createInterface({ input: child.stdout! });
        const stderr = createInterface({ input: child.stderr! });
        const timer = setTimeout(
            () => finish(new Error(`Azurite did not start within ${timeoutMs} ms:\n${output.join('\n')}`)),
            timeoutMs,
        );

        function finish(error?: Error): void {
            clearTimeout(timer);
            lines.close();
            stderr.close();
            child.removeListener('exit', onExit);
            if (error) {
                reject(error);
            } else {
                resolve(ports as Record<ServiceName, number>);
            }
        }
        function onExit(code: number | null): void {
            finish(new Error(`Azurite exited with code ${code} before listening:\n${output.join('\n')}`));
        }

        child.once('exit', onExit);
        stderr.on('line', (line) => output.push(line));
        lines.on('line', (line) => {
            output.push(line);
            const match = listeningLine.exec(line);
            if (match) {
                ports[match[1] as ServiceName] = Number(match[2]);
                if (ports.Blob && ports.Queue && ports.Table) {
                    finish();
                }
            }
        });
    });
}

async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(forceKill);
}
