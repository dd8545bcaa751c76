import type { EmulatorLogger } from './EmulatorOptions';

/** The CLIs' `--verbose` logger: one JSON line per event on stderr, so stdout keeps only the listening line. */
export function stderrLogger(): EmulatorLogger {
    const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    return { info: write('info'), warn: write('warn'), error: write('error') };
}
