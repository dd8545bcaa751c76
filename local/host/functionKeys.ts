import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The access keys the local host enforces when given them, in the shape of the Functions host's own: the master key
 * (`_master`, admin level, opens everything), host keys (open every function of authLevel `function`) and function
 * keys (open only their function). https://learn.microsoft.com/azure/azure-functions/function-keys-how-to
 */
export const functionKeysSchema = z.strictObject({
    masterKey: z.string().min(16),
    hostKeys: z.record(z.string(), z.string().min(16)).default({}),
    /** Keys by function name, then by key name. */
    functionKeys: z.record(z.string(), z.record(z.string(), z.string().min(16))).default({}),
});

export type FunctionKeys = z.infer<typeof functionKeysSchema>;

export function readFunctionKeys(path: string): FunctionKeys {
    const parsed = functionKeysSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`Invalid keys file ${path} at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
    }
    return parsed.data;
}

const matches = (given: string, key: string) =>
    given.length === key.length && timingSafeEqual(Buffer.from(given), Buffer.from(key));

/**
 * Whether `given` (from `x-functions-key` or `?code=`) opens a function of `authLevel`: anonymous needs nothing,
 * function a key of that function, a host key or the master key, admin the master key.
 */
export function isAuthorized(
    keys: FunctionKeys,
    functionName: string,
    authLevel: string,
    given: string | undefined,
): boolean {
    const level = authLevel.toLowerCase();
    if (level === 'anonymous') return true;
    if (given === undefined || given === '') return false;
    if (matches(given, keys.masterKey)) return true;
    if (level !== 'function') return false;
    const candidates = [...Object.values(keys.hostKeys), ...Object.values(keys.functionKeys[functionName] ?? {})];
    return candidates.some((key) => matches(given, key));
}
