import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/host/cli';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';
import { fixtureAppRoot } from './fixtureApp';

describe('local host CLI', () => {
    let azurite: RunningAzurite;
    let dir: string;

    beforeAll(async () => {
        azurite = await startAzurite();
        dir = mkdtempSync(join(tmpdir(), 'local-host-cli-'));
    });

    afterAll(async () => {
        await azurite?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it('runs the app with the Values of a local.settings.json', async () => {
        const settingsPath = join(dir, 'local.settings.json');
        writeFileSync(
            settingsPath,
            JSON.stringify({
                IsEncrypted: false,
                Values: {
                    StorageConnection: azurite.connectionString,
                    WORK_QUEUE: 'cli-work',
                    ROWS_QUEUE: 'cli-rows',
                    TICK_SCHEDULE: '0 0 0 1 1 *',
                },
            }),
        );
        const host = await runCli(['--app-root', fixtureAppRoot, '--settings', settingsPath, '--port', '0']);
        try {
            expect(host).toBeDefined();
            const response = await fetch(`${host!.url}/api/hello?name=cli`);
            expect(await response.text()).toBe('Hello, cli');
        } finally {
            await host?.close();
        }
    });

    it('refuses a settings file that does not exist and a bad port', async () => {
        await expect(runCli(['--app-root', fixtureAppRoot, '--settings', join(dir, 'missing.json')])).rejects.toThrow(
            /does not exist/,
        );
        await expect(runCli(['--app-root', fixtureAppRoot, '--port', 'abc'])).rejects.toThrow(/--port/);
    });
});
