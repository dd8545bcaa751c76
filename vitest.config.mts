import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        pool: 'forks',
        // Vitest's default is one worker fewer than the cores: a single worker on a 2-core CI machine. Most test
        // files spend their time waiting on Azurite, the emulator or a spawned host, so three workers overlap that
        // waiting and bring `npm test` from about 4.5 to about 3 minutes of vitest on 2 cores.
        maxWorkers: Math.max(3, availableParallelism()),
    },
});
