/**
 * Runs a CLI's `main` when its file is the entry point: the exit code is what `main` resolves to, and an
 * unexpected error is printed with its stack and exits 1.
 */
export function runCli(main: () => Promise<number>): void {
    main()
        .then((code) => {
            process.exitCode = code;
        })
        .catch((problem: unknown) => {
            console.error(problem);
            process.exitCode = 1;
        });
}
