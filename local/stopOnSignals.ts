/**
 * Closes what a command started on Ctrl-C or SIGTERM and exits; a second signal while closing exits at once.
 */
export function stopOnSignals(close: () => Promise<void>, announce: string): void {
    let stopping = false;
    const stop = (): void => {
        if (stopping) process.exit(1);
        stopping = true;
        process.stdout.write(`${announce}\n`);
        close().then(
            () => process.exit(0),
            (error: unknown) => {
                process.stderr.write(`${String(error)}\n`);
                process.exit(1);
            },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
}
