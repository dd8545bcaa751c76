import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    /** The folder a `disk` Azurite keeps its data in until it stops; undefined in memory. */
    location: string | undefined;
    /** Stops the Azurite process; safe to call more than once. */
    stop(): Promise<void>;
    /**
     * Kills the process with SIGKILL, as a crash would: what Azurite had not yet written to its folder is lost.
     * A `location` given by the caller stays, so a new Azurite on the same ports and folder starts from it.
     */
    kill(): Promise<void>;
}

export interface StartAzuriteOptions {
    /** How long to wait for all three services to listen. Default 30 s. */
    startTimeoutMs?: number;
    /** Ports to listen on; 0 (the default) picks free ones. `npm start` uses Azurite's usual 10000-10002. */
    ports?: { blob: number; queue: number; table: number };
    /**
     * Where Azurite keeps its data. `memory` (the default; what tests use) keeps every queue message in an
     * extent of its own, and the queue's garbage collector, every 60 s, removes the extents of deleted messages
     * one by one, rebuilding the extent index each time: quadratic in the messages of the last minute. At 50
     * messages a second that took Azurite's single thread 30-40 s of every minute (profiled: 62% of its CPU time
     * in a 10,000-request backlog), during which every Storage request waited. `disk` appends messages to
     * shared extent files in a new temporary folder, removed again when Azurite stops. Both keep nothing
     * between runs.
     */
    persistence?: 'memory' | 'disk';
    /**
     * A folder of the caller's to keep the data in (`disk` persistence): it is kept when Azurite stops, so an Azurite
     * started again on it finds what the last one wrote (crash soaks restart Azurite this way).
     */
    location?: string;
}

const listeningLine = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * Starts an Azurite that keeps nothing between runs (on free ports unless told otherwise) as a child process and resolves
 * once Blob, Queue and Table all listen. The child is a separate process (not Azurite's deep imports) because the CLI is
 * Azurite's only stable surface. `--disableTelemetry` matters offline: without it Azurite logs
 * ENOTFOUND errors for Application Insights.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<RunningAzurite> {
    const azuriteMain = require.resolve('azurite/dist/src/azurite.js');
    const ownLocation =
        options.location === undefined && options.persistence === 'disk'
            ? mkdtempSync(join(tmpdir(), 'pbi-relay-azurite-'))
            : undefined;
    const location = options.location ?? ownLocation;
    const removeLocation = (): void => {
        if (ownLocation) rmSync(ownLocation, { recursive: true, force: true });
    };
    const child = spawn(
        process.execPath,
        [
            azuriteMain,
            ...(location ? ['--location', location] : ['--inMemoryPersistence']),
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
    // A crashed test run must not leave Azurite (or its folder) behind.
    const killOnExit = (): void => {
        child.kill('SIGKILL');
        removeLocation();
    };
    process.once('exit', killOnExit);

    const stop = async (): Promise<void> => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
        removeLocation();
    };
    const kill = async (): Promise<void> => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            child.kill('SIGKILL');
            await exited;
        }
        removeLocation();
    };

    try {
        const ports = await readPorts(child, options.startTimeoutMs ?? 30_000);
        return {
            connectionString: toAzuriteConnectionString({ blob: ports.Blob, queue: ports.Queue, table: ports.Table }),
            blobPort: ports.Blob,
            queuePort: ports.Queue,
            tablePort: ports.Table,
            location,
            stop,
            kill,
        };
    } catch (error) {
        await stop();
        throw error;
    }
}

/** The shared-key connection string of an Azurite on 127.0.0.1 with these ports. */
export function toAzuriteConnectionString(ports: { blob: number; queue: number; table: number }): string {
    return [
        'DefaultEndpointsProtocol=http',
        `AccountName=${devStoreAccountName}`,
        `AccountKey=${devStoreAccountKey}`,
        `BlobEndpoint=http://127.0.0.1:${ports.blob}/${devStoreAccountName}`,
        `QueueEndpoint=http://127.0.0.1:${ports.queue}/${devStoreAccountName}`,
        `TableEndpoint=http://127.0.0.1:${ports.table}/${devStoreAccountName}`,
        '',
    ].join(';');
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
