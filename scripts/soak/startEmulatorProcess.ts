import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { appRoot } from '../../src/config/appRoot';

export interface EmulatorProcess {
    url: string;
    /** SIGTERM (the emulator closes cleanly); SIGKILL if it has not exited within 5 s. */
    stop(): Promise<void>;
}

/**
 * Runs the Power BI emulator's CLI (the built dist/emulator/cli.js, as `npm run emulator`) as its own process with
 * these arguments (`--seed`, `--limit name=n`, ...) on a free port, and resolves with the URL it prints.
 */
export function startEmulatorProcess(args: readonly string[], startTimeoutMs = 30_000): Promise<EmulatorProcess> {
    return startCliProcess('emulator', /^Power BI emulator listening on (\S+)/, args, startTimeoutMs);
}

/**
 * Runs the Kusto emulator's CLI (dist/kusto-emulator/cli.js, as `npm run kusto-emulator`) as its own process with
 * these arguments (`--token-signing-key`, ...) on a free port, and resolves with the URL it prints.
 */
export function startKustoEmulatorProcess(args: readonly string[], startTimeoutMs = 30_000): Promise<EmulatorProcess> {
    return startCliProcess('kusto-emulator', /^Kusto emulator listening on (\S+)/, args, startTimeoutMs);
}

async function startCliProcess(
    folder: 'emulator' | 'kusto-emulator',
    listening: RegExp,
    args: readonly string[],
    startTimeoutMs: number,
): Promise<EmulatorProcess> {
    const child = spawn(process.execPath, [join(appRoot(), 'dist', folder, 'cli.js'), '--port', '0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const forceKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(forceKill);
    };
    const output: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    try {
        const url = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(
                () =>
                    reject(new Error(`The ${folder} did not start within ${startTimeoutMs} ms:\n${output.join('\n')}`)),
                startTimeoutMs,
            );
            child.once('exit', (code) => {
                clearTimeout(timer);
                reject(new Error(`The ${folder} exited with ${code}:\n${output.join('\n')}`));
            });
            createInterface({ input: child.stdout! }).on('line', (line) => {
                const match = listening.exec(line);
                if (match) {
                    clearTimeout(timer);
                    resolve(match[1]!);
                }
            });
        });
        return { url, stop };
    } catch (error) {
        await stop();
        throw error;
    }
}
