import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EmulatorOptions } from './EmulatorOptions';
import { seedSchema } from './control/controlSchemas';
import { limitsOverrideSchema, limitsSchema, type LimitsOverride } from './limits/Limits';

export const cliUsage = `Usage: npm run emulator -- [options]

  --port <n>                 Port to listen on (0 = a free port). Default 0.
  --host <address>           Address to bind. Default 127.0.0.1.
  --time-scale <n>           Emulated seconds per real second (60 = a minute per second). Default 1.
  --start-time <iso>         Emulated start time. Default: now.
  --frozen-clock             Start with a frozen clock (moves only through POST /_emulator/clock).
  --limit <name>=<n>         Override one limit, repeatable (e.g. --limit maxRowsPerRequest=500).
  --limits <file.json>       Override limits from a JSON file ({"maxRowsPerHour": 5000, ...}).
  --seed <file.json>         Workspaces, models and push datasets to create at start.
  --data-dir <dir>           Keep state in <dir>/state.json across restarts.
  --token-signing-key <key>  Key that signs the tokens (for a Kusto emulator given the same). Default: a random key.
  --identity-header <secret> Secret expected in X-IDENTITY-HEADER. Default pbi-emulator-identity-header.
  --system-principal-id <id> Principal id (oid) of the system-assigned identity.
  --user-assigned <id>=<oid> Map a user-assigned client_id (or mi_res_id) to its principal id, repeatable.
  --verbose                  Log requests and events to stderr as JSON lines.
  --help                     Show this help.
`;

export interface CliSettings {
    options: EmulatorOptions;
    verbose: boolean;
    help: boolean;
}

/** Turns argv into EmulatorOptions; throws with a readable message on bad input. */
export function parseCliArgs(argv: string[]): CliSettings {
    const { values } = parseArgs({
        args: argv,
        options: {
            port: { type: 'string' },
            host: { type: 'string' },
            'time-scale': { type: 'string' },
            'start-time': { type: 'string' },
            'frozen-clock': { type: 'boolean' },
            limit: { type: 'string', multiple: true },
            limits: { type: 'string' },
            seed: { type: 'string' },
            'data-dir': { type: 'string' },
            'token-signing-key': { type: 'string' },
            'identity-header': { type: 'string' },
            'system-principal-id': { type: 'string' },
            'user-assigned': { type: 'string', multiple: true },
            verbose: { type: 'boolean' },
            help: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
    });
    const number = (name: string, text: string | undefined): number | undefined => {
        if (text === undefined) return undefined;
        const value = Number(text);
        if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got '${text}'`);
        return value;
    };
    let limits: LimitsOverride = {};
    if (values.limits) limits = limitsOverrideSchema.parse(JSON.parse(readFileSync(values.limits, 'utf8')));
    for (const entry of values.limit ?? []) {
        const [name, text] = entry.split('=');
        if (!name || text === undefined || !(name in limitsSchema.shape)) {
            throw new Error(
                `--limit expects <name>=<number> with a name from: ${Object.keys(limitsSchema.shape).join(', ')}`,
            );
        }
        limits = { ...limits, [name]: number(`limit ${name}`, text) };
    }
    limits = limitsOverrideSchema.parse(limits);
    const userAssigned: Record<string, string> = {};
    for (const entry of values['user-assigned'] ?? []) {
        const index = entry.lastIndexOf('=');
        if (index <= 0)
            throw new Error(`--user-assigned expects <client_id or mi_res_id>=<principal id>, got '${entry}'`);
        userAssigned[entry.slice(0, index)] = entry.slice(index + 1);
    }
    const port = number('port', values.port) ?? 0;
    const timeScale = number('time-scale', values['time-scale']);
    return {
        help: values.help ?? false,
        verbose: values.verbose ?? false,
        options: {
            port,
            host: values.host ?? '127.0.0.1',
            ...(timeScale !== undefined ? { timeScale } : {}),
            ...(values['start-time'] ? { startTime: values['start-time'] } : {}),
            ...(values['frozen-clock'] ? { frozenClock: true } : {}),
            limits,
            ...(values.seed ? { seed: seedSchema.parse(JSON.parse(readFileSync(values.seed, 'utf8'))) } : {}),
            ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
            ...(values['token-signing-key'] ? { tokenSigningKey: values['token-signing-key'] } : {}),
            identity: {
                ...(values['identity-header'] ? { header: values['identity-header'] } : {}),
                ...(values['system-principal-id'] ? { systemAssignedPrincipalId: values['system-principal-id'] } : {}),
                userAssigned,
            },
        },
    };
}
