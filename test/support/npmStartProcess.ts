import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from './waitFor';

export interface NpmStartProcess {
    child: ChildProcess;
    /** Every line printed so far, stdout and stderr. */
    output: string[];
    /** The URL of the `pbi-relay ready:` line. */
    relayUrl: string;
    /** Ctrl-C, as a user stops it (so npm start stops its Azurite and emulators too); SIGKILL only if it hangs. */
    stop(): Promise<void>;
}

/** `npm start` as a user runs it (the built dist/local/start.js) with `args`, once it printed its ready line. */
export async function startNpmStart(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<NpmStartProcess> {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'dist', 'local', 'start.js'), ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
    });
    const output: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => output.push(line));
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    const stop = async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        const forceKill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(forceKill);
    };
    const relayUrl = await waitFor(
        () => output.find((line) => line.startsWith('pbi-relay ready: '))?.slice('pbi-relay ready: '.length),
        { timeoutMs: 30_000, description: 'pbi-relay ready line' },
    ).catch(async (error: unknown) => {
        await stop();
        throw error;
    });
    return { child, output, relayUrl, stop };
}
