import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeZodError } from '../src/config/describeZodError';

/** local.settings.json as the Functions tools read it: app settings in Values (numbers and booleans allowed). */
const localSettingsFileSchema = z.looseObject({
    Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    Host: z.looseObject({ LocalHttpPort: z.number().int().min(0).max(65535).optional() }).optional(),
});

export interface LocalSettingsFile {
    values: Record<string, string>;
    localHttpPort?: number;
}

export class LocalSettingsFileError extends Error {
    override name = 'LocalSettingsFileError';
}

/** Reads a local.settings.json (or local.settings.sample.json); a missing or malformed file fails with its path. */
export function readLocalSettingsFile(path: string): LocalSettingsFile {
    let json: unknown;
    try {
        json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
        throw new LocalSettingsFileError(`Cannot read ${path}: ${(error as Error).message}`);
    }
    const parsed = localSettingsFileSchema.safeParse(json);
    if (!parsed.success) {
        throw new LocalSettingsFileError(`${path} is not a local.settings.json: ${describeZodError(parsed.error)}`);
    }
    return {
        values: Object.fromEntries(Object.entries(parsed.data.Values).map(([name, value]) => [name, String(value)])),
        ...(parsed.data.Host?.LocalHttpPort !== undefined ? { localHttpPort: parsed.data.Host.LocalHttpPort } : {}),
    };
}

/**
 * The file's values with every one that the environment also sets replaced by the environment's, as Core Tools
 * does ("Skipping '<name>' from local settings as it's already defined in current environment variables") and as
 * in Azure, where app settings are the environment. `overridden` names the replaced settings.
 */
export function withEnvironmentOverrides(
    values: Readonly<Record<string, string>>,
    env: NodeJS.ProcessEnv = process.env,
): { values: Record<string, string>; overridden: string[] } {
    const overridden = Object.keys(values).filter((name) => env[name] !== undefined);
    return {
        values: { ...values, ...Object.fromEntries(overridden.map((name) => [name, env[name]!])) },
        overridden,
    };
}
