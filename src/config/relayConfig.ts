import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dataTypes, toDataType } from './dataTypes';
import { refreshTargetSchema } from './refreshTargetSchema';
import { describeZodError } from './describeZodError';
import { eventhouseSchema, sinksSchema, type SinkName } from './eventhouseSchema';
import { appSettingName, sourceSchema } from './sourceSchema';

/** Power BI's own name rules (OpenAPI definition Table.name), so a config the service would reject fails at start-up. */
const tableNamePattern = /^[\t\n\r #\-0-9@-Z^_a-z~-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]{1,100}$/u;
const columnNamePattern = /^[\t\n\r\u{20}-\u{D7FF}\u{E000}-\u{FFFD}\u{10000}-\u{10FFFF}]+$/u;
const maxTablesOrColumns = 75;

const columnSchema = z
    .strictObject({
        name: z.string().regex(columnNamePattern, 'must be a valid Power BI column name'),
        dataType: z
            .string()
            .transform((name, ctx) => {
                const dataType = toDataType(name);
                if (dataType === undefined) {
                    ctx.addIssue({
                        code: 'custom',
                        message: `unknown data type "${name}"; use one of ${dataTypes.join(', ')}`,
                    });
                    return z.NEVER;
                }
                return dataType;
            })
            .meta({ description: 'Power BI data type', examples: [...dataTypes] }),
        required: z
            .boolean()
            .default(false)
            .describe('Rows without a value for this column are rejected at the webhook'),
    })
    .describe('A column of a push table');

/** Reports every entry of `list` whose name repeats an earlier one (`key` makes the comparison case-insensitive where needed). */
function checkUniqueNames(
    list: readonly { name: string }[],
    path: string,
    what: string,
    ctx: z.RefinementCtx,
    key: (name: string) => string = (name) => name,
): void {
    const seen = new Set<string>();
    list.forEach((entry, index) => {
        if (seen.has(key(entry.name))) {
            ctx.addIssue({ code: 'custom', path: [path, index, 'name'], message: `duplicate ${what} "${entry.name}"` });
        }
        seen.add(key(entry.name));
    });
}

const tableSchema = z
    .strictObject({
        name: z.string().regex(tableNamePattern, 'must be 1-100 characters allowed in a Power BI table name'),
        columns: z.array(columnSchema).min(1).max(maxTablesOrColumns),
        existingRows: z
            .number()
            .int()
            .nonnegative()
            .default(0)
            .describe(
                'Rows the table already held before pbi-relay first pushed to it; from 250,000 rows on, Power BI allows 120 Add Rows calls an hour',
            ),
        unknownColumns: z
            .enum(['reject', 'drop'])
            .default('reject')
            .describe(
                'What a row property that is not a column does: reject the request (the default) or drop the property (the 202 answer lists the dropped names)',
            ),
        markerColumn: z
            .string()
            .optional()
            .describe(
                'A String column the relay fills with the id of the Add Rows call that carried the row: after a call whose outcome is unknown (a timeout, a crash), the relay counts the rows with that id (Datasets - Execute Queries) and pushes them again only if none arrived',
            ),
        ambiguousOutcome: z
            .enum(['atLeastOnce', 'atMostOnce'])
            .default('atLeastOnce')
            .describe(
                'Without markerColumn, what a call whose outcome is unknown leads to: push the rows again (atLeastOnce, they may arrive twice) or not (atMostOnce, they may be lost); either way counted as unconfirmed',
            ),
    })
    .superRefine((table, ctx) => {
        checkUniqueNames(table.columns, 'columns', 'column', ctx);
        if (table.markerColumn === undefined) return;
        const column = table.columns.find((candidate) => candidate.name === table.markerColumn);
        if (column?.dataType !== 'String' || column.required) {
            ctx.addIssue({
                code: 'custom',
                path: ['markerColumn'],
                message: `must name a String column of table "${table.name}" that is not required (the relay fills it)`,
            });
        }
    });

const datasetSchema = z
    .strictObject({
        name: z.string().min(1).max(256),
        workspaceId: z.guid().optional().describe('Defaults to the POWERBI_WORKSPACE_ID app setting'),
        defaultRetentionPolicy: z.enum(['None', 'basicFIFO']).default('None'),
        tables: z.array(tableSchema).min(1).max(maxTablesOrColumns),
        signedBy: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe(
                "Names of webhookSenders: the webhook's requests for this dataset must carry a valid Standard Webhooks signature by one of them (401 otherwise)",
            ),
        sinks: sinksSchema.optional(),
        eventhouse: eventhouseSchema.optional(),
    })
    .superRefine((dataset, ctx) => {
        checkUniqueNames(dataset.tables, 'tables', 'table', ctx);
        if (dataset.sinks?.includes('eventhouse') && dataset.eventhouse === undefined) {
            ctx.addIssue({
                code: 'custom',
                path: ['eventhouse'],
                message: `dataset "${dataset.name}" names the eventhouse sink but has no eventhouse`,
            });
        }
        for (const name of Object.keys(dataset.eventhouse?.tables ?? {})) {
            if (dataset.tables.some((table) => table.name === name)) continue;
            ctx.addIssue({
                code: 'custom',
                path: ['eventhouse', 'tables', name],
                message: `dataset "${dataset.name}" has no table "${name}"`,
            });
        }
    })
    .transform((dataset) => ({
        ...dataset,
        sinks:
            dataset.sinks ??
            ((dataset.eventhouse === undefined ? ['powerBi'] : ['powerBi', 'eventhouse']) satisfies SinkName[]),
    }));

const webhookSenderSchema = z
    .strictObject({
        name: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, - or _')
            .describe('Names the sender in signedBy, a source signature and the logs'),
        secretSettings: z
            .array(z.string().regex(appSettingName, 'must be an app setting name'))
            .min(1)
            .max(4)
            .describe(
                'App settings holding the Standard Webhooks secrets ("whsec_<base64>"; Key Vault references in Azure); any of them verifies, so a new secret is rotated in beside the old one. Unset ones are skipped, at least one must be set',
            ),
    })
    .describe('A sender that signs its requests with Standard Webhooks');

export const relayConfigSchema = z
    .strictObject({
        $schema: z.string().optional(),
        webhookSenders: z
            .array(webhookSenderSchema)
            .default([])
            .describe('Senders that sign with Standard Webhooks, named by datasets (signedBy) and sources'),
        datasets: z.array(datasetSchema).default([]),
        refreshTargets: z
            .array(refreshTargetSchema)
            .default([])
            .describe('Import models kept fresh with enhanced refreshes'),
        sources: z
            .array(sourceSchema)
            .default([])
            .describe('Senders with their own JSON (webhooks, CloudEvents, Event Grid), mapped to rows'),
    })
    .superRefine((config, ctx) => {
        checkUniqueNames(config.datasets, 'datasets', 'dataset', ctx);
        checkUniqueNames(config.webhookSenders, 'webhookSenders', 'webhook sender', ctx);
        const senders = new Set(config.webhookSenders.map((sender) => sender.name));
        const checkSenders = (names: readonly string[], path: (string | number)[]) =>
            names.forEach((name, position) => {
                if (!senders.has(name)) {
                    ctx.addIssue({ code: 'custom', path: [...path, position], message: `no webhook sender "${name}"` });
                }
            });
        config.datasets.forEach((dataset, index) =>
            checkSenders(dataset.signedBy ?? [], ['datasets', index, 'signedBy']),
        );
        config.sources.forEach((source, index) => {
            if (source.signature?.scheme === 'standardwebhooks') {
                checkSenders(source.signature.senders, ['sources', index, 'signature', 'senders']);
            }
        });
        checkUniqueNames(config.sources, 'sources', 'source', ctx, (name) => name.toLowerCase());
        config.sources.forEach((source, index) => {
            const dataset = config.datasets.find((d) => d.name === source.dataset);
            if (dataset === undefined) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['sources', index, 'dataset'],
                    message: `source "${source.name}" names dataset "${source.dataset}", which is not configured`,
                });
            } else {
                for (const { table, at } of source.tables) {
                    if (dataset.tables.some((t) => t.name === table)) continue;
                    ctx.addIssue({
                        code: 'custom',
                        path: ['sources', index, ...at],
                        message: `source "${source.name}" names table "${table}", which dataset "${dataset.name}" does not have`,
                    });
                }
            }
        });
        // Target names are table keys and URL parts, so "Sales" and "sales" would collide.
        checkUniqueNames(config.refreshTargets, 'refreshTargets', 'refresh target', ctx, (name) => name.toLowerCase());
        checkChains(config.refreshTargets, ctx);
    });

/** Every `after` names another configured target, and no chain leads back to where it began. */
function checkChains(targets: readonly { name: string; after?: string[] }[], ctx: z.RefinementCtx): void {
    const byName = new Map(targets.map((target) => [target.name.toLowerCase(), target]));
    targets.forEach((target, index) => {
        (target.after ?? []).forEach((upstream, position) => {
            const path = ['refreshTargets', index, 'after', position];
            if (!byName.has(upstream.toLowerCase()))
                ctx.addIssue({ code: 'custom', path, message: `no refresh target "${upstream}"` });
            else if (upstream.toLowerCase() === target.name.toLowerCase())
                ctx.addIssue({ code: 'custom', path, message: 'a target cannot come after itself' });
        });
    });
    // Depth-first search; a target met again on the current path closes a cycle.
    const done = new Set<string>();
    const visit = (name: string, path: string[]): string[] | undefined => {
        const key = name.toLowerCase();
        if (path.includes(key)) return [...path.slice(path.indexOf(key)), key];
        if (done.has(key)) return undefined;
        for (const upstream of byName.get(key)?.after ?? []) {
            if (upstream.toLowerCase() === key || !byName.has(upstream.toLowerCase())) continue;
            const cycle = visit(upstream, [...path, key]);
            if (cycle) return cycle;
        }
        done.add(key);
        return undefined;
    };
    for (const [index, target] of targets.entries()) {
        const cycle = visit(target.name, []);
        if (cycle) {
            const names = cycle.map((key) => byName.get(key)!.name);
            ctx.addIssue({
                code: 'custom',
                path: ['refreshTargets', index, 'after'],
                message: `the chain is a cycle: ${names.join(' after ')}`,
            });
            return;
        }
    }
}

export type RelayConfig = z.infer<typeof relayConfigSchema>;
export type DatasetConfig = RelayConfig['datasets'][number];
export type TableConfig = DatasetConfig['tables'][number];
export type ColumnConfig = TableConfig['columns'][number];

/** Whether any dataset writes to a Fabric Eventhouse: only then does the relay have its queues, ledger and emulator. */
export const hasEventhouseSink = (config: RelayConfig) =>
    config.datasets.some((dataset) => dataset.sinks.includes('eventhouse'));

export class RelayConfigError extends Error {
    override name = 'RelayConfigError';
}

export function parseRelayConfig(source: unknown, origin: string): RelayConfig {
    const parsed = relayConfigSchema.safeParse(source);
    if (!parsed.success) {
        throw new RelayConfigError(`Invalid config ${origin}: ${describeZodError(parsed.error)}`);
    }
    return parsed.data;
}

export function loadRelayConfig(path: string): RelayConfig {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (error) {
        throw new RelayConfigError(`Cannot read config ${path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw new RelayConfigError(`Config ${path} is not valid JSON: ${(error as Error).message}`);
    }
    return parseRelayConfig(json, path);
}
