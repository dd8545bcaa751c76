import jsonata from 'jsonata';
import { z } from 'zod';

/** How a source's payloads arrive: plain JSON, CloudEvents 1.0 (structured or batched JSON), the Event Grid schema. */
export const sourceFormats = ['json', 'cloudevents', 'eventgrid'] as const;

/** A compiled JSONata expression, with its text kept for error messages. */
export interface Mapping {
    text: string;
    expression: jsonata.Expression;
}

interface Guardrails {
    timeoutMs: number;
    maxRows: number;
}

/** JSONata's position is the character offset just after the offending token. */
export function describeJsonataError(error: unknown): string {
    const { message, position, token } = error as Partial<jsonata.JsonataError>;
    const at = position !== undefined ? ` at character ${position}` : '';
    return `${message ?? String(error)}${at}${token !== undefined ? ` (near "${token}")` : ''}`;
}

function compile(
    text: string,
    guardrails: Guardrails,
    path: (string | number)[],
    ctx: z.RefinementCtx,
): Mapping | undefined {
    try {
        // timeout, stack and sequence are jsonata's own guardrails (checked on every evaluation step).
        const expression = jsonata(text, {
            timeout: guardrails.timeoutMs,
            stack: 500,
            sequence: guardrails.maxRows,
        });
        return { text, expression };
    } catch (error) {
        ctx.addIssue({
            code: 'custom',
            path,
            message: `not a valid JSONata expression: ${describeJsonataError(error)}`,
        });
        return undefined;
    }
}

/** An app setting's name, as Azure allows them (and Key Vault references fill them). */
export const appSettingName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const sourceSchema = z
    .strictObject({
        name: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, - or _ (it is a URL segment)')
            .describe('POST /api/sources/{name} receives this source'),
        dataset: z.string().min(1).describe('The configured dataset the rows go to'),
        table: z
            .string()
            .min(1)
            .optional()
            .describe('The table of that dataset the rows go to (with rows; or use tables for several tables)'),
        accept: z
            .array(z.enum(sourceFormats))
            .min(1)
            .default(['json'])
            .describe(
                'json: any JSON body; cloudevents: CloudEvents 1.0 structured or batched JSON; eventgrid: the Event Grid event schema (with its validation handshake)',
            ),
        filter: z
            .string()
            .min(1)
            .optional()
            .describe(
                'JSONata expression evaluated per payload (per event for CloudEvents and Event Grid): only those for which it is true are mapped',
            ),
        rows: z
            .string()
            .min(1)
            .optional()
            .describe(
                'JSONata expression that maps a payload (or one event) to a row object or an array of rows of table; $headers holds the request headers (lower-case names)',
            ),
        tables: z
            .array(
                z.strictObject({
                    table: z.string().min(1).describe('A table of the dataset'),
                    rows: z
                        .string()
                        .min(1)
                        .describe('JSONata expression that maps a payload (or one event) to rows of this table'),
                }),
            )
            .min(1)
            .optional()
            .describe(
                'Instead of table and rows: several tables of the dataset, each with its rows expression; one request commits the rows of all of them together, or none',
            ),
        eventId: z
            .string()
            .min(1)
            .optional()
            .describe(
                'For json payloads: JSONata expression giving the id that deduplicates redeliveries, e.g. $headers.`x-github-delivery` (CloudEvents and Event Grid events are deduplicated by their id)',
            ),
        allowedOrigins: z
            .array(z.string().min(1))
            .default(['eventgrid.azure.net'])
            .describe(
                'Origins the CloudEvents webhook OPTIONS handshake allows (WebHook-Request-Origin); "*" allows any',
            ),
        signature: z
            .discriminatedUnion('scheme', [
                z.strictObject({
                    scheme: z
                        .enum(['github', 'stripe'])
                        .describe(
                            'github: X-Hub-Signature-256 (HMAC-SHA256 of the body); stripe: Stripe-Signature (HMAC-SHA256 of "t.body", at most 5 minutes old)',
                        ),
                    secretSetting: z
                        .string()
                        .regex(appSettingName, 'must be an app setting name')
                        .describe(
                            'The app setting that holds the signing secret (e.g. a Key Vault reference in Azure)',
                        ),
                }),
                z.strictObject({
                    scheme: z
                        .literal('standardwebhooks')
                        .describe(
                            'Standard Webhooks: webhook-id, webhook-timestamp (within 5 minutes) and webhook-signature',
                        ),
                    senders: z
                        .array(z.string().min(1))
                        .min(1)
                        .describe('Names of webhookSenders whose secrets may sign requests of this source'),
                }),
            ])
            .optional()
            .describe("Verify the sender's signature; requests without a valid one get 401 and change nothing"),
        mappingTimeoutMs: z.number().int().positive().max(60_000).default(1000).describe('Time bound per mapping'),
        maxRows: z
            .number()
            .int()
            .positive()
            .max(1_000_000)
            .default(10_000)
            .describe('At most this many rows (and JSONata sequence items) per request'),
    })
    .transform((declared, ctx) => {
        const { rows: rowsText, tables: tablesDeclared, ...source } = declared;
        const guardrails = { timeoutMs: source.mappingTimeoutMs, maxRows: source.maxRows };
        const single = source.table !== undefined || rowsText !== undefined;
        if (single === (tablesDeclared !== undefined) || (single && (source.table === undefined || !rowsText))) {
            ctx.addIssue({
                code: 'custom',
                path: tablesDeclared === undefined ? [source.table === undefined ? 'table' : 'rows'] : ['tables'],
                message: 'give table and rows, or tables (a list of table and rows): exactly one of the two',
            });
            return z.NEVER;
        }
        const declaredTables = tablesDeclared ?? [{ table: source.table!, rows: rowsText! }];
        const tables = declaredTables.map((entry, index) => ({
            table: entry.table,
            rows: compile(entry.rows, guardrails, tablesDeclared ? ['tables', index, 'rows'] : ['rows'], ctx),
            // Where the source names the table, for the config's own check that the dataset has it.
            at: tablesDeclared ? ['tables', index, 'table'] : ['table'],
        }));
        declaredTables.forEach((entry, index) => {
            if (declaredTables.findIndex((other) => other.table === entry.table) < index) {
                ctx.addIssue({
                    code: 'custom',
                    path: ['tables', index, 'table'],
                    message: `table "${entry.table}" is listed twice`,
                });
            }
        });
        const filter = source.filter === undefined ? undefined : compile(source.filter, guardrails, ['filter'], ctx);
        const eventId =
            source.eventId === undefined ? undefined : compile(source.eventId, guardrails, ['eventId'], ctx);
        const compiled = tables.flatMap(({ table, rows, at }) => (rows === undefined ? [] : [{ table, rows, at }]));
        if (compiled.length < tables.length || (source.filter !== undefined && filter === undefined)) return z.NEVER;
        if (source.eventId !== undefined && eventId === undefined) return z.NEVER;
        return { ...source, tables: compiled, filter, eventId };
    })
    .describe('A sender whose own JSON is mapped to rows of one or more tables of one dataset');

export type SourceConfig = z.infer<typeof sourceSchema>;
