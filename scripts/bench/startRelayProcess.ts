import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { appRoot } from '../../src/config/appRoot';

export interface RelayProcessOptions {
    instances: number;
    /** The relay's config file (`npm start -- --config`). */
    configPath?: string;
    /** App settings passed as environment variables, which override local.settings.sample.json. */
    env: Record<string, string>;
    /** Writes every line the relay prints to this file (`--relay-log`), to see where a message's time went. */
    logPath?: string;
    /** Give up on the ready line after this long. */
    startTimeoutMs?: number;
    /** More `npm start` arguments, e.g. `--storage`, `--emulator` and `--queue-lease-seconds` to run the hosts alone. */
    args?: readonly string[];
    /** Sees every line the relay prints, as it prints it, and on which stream (a log entry's lines stay on one). */
    onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RelayProcess {
    /** One base URL per Functions host, in the order `npm start` printed them. */
    hostUrls: string[];
    emulatorUrl: string;
    /** The Kusto emulator's URL, printed when the config names an eventhouse. */
    kustoUrl?: string;
    queuePort: number;
    /** The last lines the relay printed, for error messages. */
    tail(): string;
    /** Ctrl-C, as a user stops it; SIGKILL if it does not exit within 10 s. */
    stop(): Promise<void>;
    /** SIGKILL at once, as a crash: nothing is closed or flushed. Resolves once the process is gone. */
    kill(): Promise<void>;
}

/**
 * Runs `npm start -- --free-ports` (the built dist/local/start.js) as its own process, as a user does, and reads
 * the URLs it prints. The benchmark's senders therefore never share an event loop with the relay, and a soak can
 * kill it (`kill`) and start it again.
 */
export async function startRelayProcess(options: RelayProcessOptions): Promise<RelayProcess> {
    const args = [
        join(appRoot(), 'dist', 'local', 'start.js'),
        '--free-ports',
        '--instances',
        String(options.instances),
        ...(options.args ?? []),
    ];
    if (options.configPath) args.push('--config', options.configPath);
    // The folder --relay-log names is made when missing, as a user expects of an output folder (before the relay starts).
    if (options.logPath) mkdirSync(dirname(options.logPath), { recursive: true });
    const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...options.env },
    });
    const lines: string[] = [];
    const log = options.logPath ? createWriteStream(options.logPath) : undefined;
    const keep = (line: string, stream: 'stdout' | 'stderr' = 'stdout') => {
        options.onLine?.(line, stream);
        log?.write(`${line}\n`);
        lines.push(line);
        if (lines.length > 400) lines.splice(0, lines.length - 200);
    };
    const tail = () => lines.slice(-40).join('\n');
    const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
            log?.end();
            resolve();
        }),
    );
    const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT');
        const forceKill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(forceKill);
    };
    const kill = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await exited;
    };
    createInterface({ input: child.stderr! }).on('line', (line) => keep(line, 'stderr'));
    const hostUrls: string[] = [];
    let emulatorUrl = '';
    let kustoUrl: string | undefined;
    let queuePort = 0;
    try {
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
                () => reject(new Error(`npm start printed no ready line:\n${tail()}`)),
                options.startTimeoutMs ?? 60_000,
            );
            child.once('exit', (code) => {
                clearTimeout(timer);
                reject(new Error(`npm start exited with ${code}:\n${tail()}`));
            });
            createInterface({ input: child.stdout! }).on('line', (line) => {
                keep(line);
                const host = /^Functions host\s+(\S+)/.exec(line);
                if (host) hostUrls.push(host[1]!);
                const emulator = /^Power BI emulator\s+(\S+)/.exec(line);
                if (emulator) emulatorUrl = emulator[1]!;
                const kusto = /^Kusto emulator\s+(\S+)/.exec(line);
                if (kusto) kustoUrl = kusto[1]!;
                const azurite = /^Azurite\s+blob \d+, queue (\d+), table \d+/.exec(line);
                if (azurite) queuePort = Number(azurite[1]);
                if (line.startsWith('pbi-relay ready: ')) {
                    clearTimeout(timer);
                    resolve();
                }
            });
        });
    } catch (error) {
        await stop();
        throw error;
    }
    return { hostUrls, emulatorUrl, ...(kustoUrl ? { kustoUrl } : {}), queuePort, tail, stop, kill };
}
