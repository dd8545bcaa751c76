import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, settingsSchema } from '../../src/config/settings';

const sample = JSON.parse(readFileSync(join(__dirname, '..', '..', 'local.settings.sample.json'), 'utf8')) as {
    Values: Record<string, string>;
};

describe('local.settings.sample.json', () => {
    it('lists every app setting the relay reads (identity-based storage keys are Azure-only)', () => {
        const azureOnly = new Set(
            Object.keys(settingsSchema.shape).filter((key) => key.startsWith('AzureWebJobsStorage__')),
        );
        const missing = Object.keys(settingsSchema.shape).filter(
            (key) => !azureOnly.has(key) && !(key in sample.Values),
        );
        expect(missing).toEqual([]);
    });

    it('holds values the settings schema accepts', () => {
        expect(() => loadSettings(sample.Values)).not.toThrow();
    });
});
