import { z } from 'zod';
import type { EventhouseClient, KustoResult } from './eventhouseClient';
import { isEventhouseError } from './eventhouseFailure';
import type { EventhouseSetupState, ExistingTable } from './eventhouseSetupState';
import { kustoName } from './kustoLiterals';

const tableListSchema = z.array(z.looseObject({ TableName: z.string() }));
const schemaJsonSchema = z.looseObject({
    OrderedColumns: z.array(z.looseObject({ Name: z.string(), CslType: z.string() })),
});
const schemaRowsSchema = z
    .array(
        z.looseObject({
            Schema: z
                .string()
                .transform((text, ctx) => {
                    try {
                        return JSON.parse(text) as unknown;
                    } catch {
                        ctx.addIssue({ code: 'custom', message: 'the schema is not JSON' });
                        return z.NEVER;
                    }
                })
                .pipe(schemaJsonSchema),
        }),
    )
    .length(1);
const mappingRowsSchema = z.array(z.looseObject({ Name: z.string(), Mapping: z.string() }));
const viewRowsSchema = z.array(z.looseObject({ Name: z.string(), SourceTable: z.string(), Query: z.string() }));
const principalRowsSchema = z.array(z.looseObject({ Role: z.string(), PrincipalFQN: z.string() }));

/** A result's rows as records keyed by column name, read with `schema` (a command's answer is a trust boundary). */
export function toRecords<T>(result: KustoResult, schema: z.ZodType<T>, command: string): T {
    const records = result.rows.map((row) =>
        Object.fromEntries(result.columns.map((column, index) => [column.name, row[index]])),
    );
    const parsed = schema.safeParse(records);
    if (!parsed.success) {
        throw new Error(`Unexpected answer to ${command}: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
}

const isForbidden = (error: unknown) =>
    isEventhouseError(error) && error.failure.kind === 'unauthorized' && error.failure.status === 403;

/**
 * Reads what the database holds of `tableNames` (their schemas and JSON mappings), its materialized views and its
 * principals, with management commands. Mappings and principals the caller may not read are marked `forbidden`
 * (the relay's own identity, an Ingestor and Viewer, cannot read principals); any other failure is thrown.
 */
export async function readEventhouseSetupState(
    client: Pick<EventhouseClient, 'management'>,
    database: string,
    tableNames: readonly string[],
): Promise<EventhouseSetupState> {
    const run = async <T>(csl: string, schema: z.ZodType<T>) =>
        toRecords(await client.management(database, csl), schema, csl);
    const orForbidden = async <T>(read: () => Promise<T>): Promise<T | 'forbidden'> => {
        try {
            return await read();
        } catch (error) {
            if (isForbidden(error)) return 'forbidden';
            throw error;
        }
    };
    const present = new Set((await run('.show tables', tableListSchema)).map((row) => row.TableName));
    const tables: ExistingTable[] = [];
    for (const name of new Set(tableNames)) {
        if (!present.has(name)) continue;
        // One row: the schema parsed length(1).
        const schema = (await run(`.show table ${kustoName(name)} schema as json`, schemaRowsSchema))[0]!.Schema;
        const mappings = await orForbidden(async () =>
            (await run(`.show table ${kustoName(name)} ingestion json mappings`, mappingRowsSchema)).map((row) => ({
                name: row.Name,
                text: row.Mapping,
            })),
        );
        tables.push({
            name,
            columns: schema.OrderedColumns.map((column) => ({ name: column.Name, type: column.CslType })),
            mappings,
        });
    }
    const views = (await run('.show materialized-views', viewRowsSchema)).map((row) => ({
        name: row.Name,
        sourceTable: row.SourceTable,
        query: row.Query,
    }));
    const principals = await orForbidden(async () =>
        (await run(`.show database ${kustoName(database)} principals`, principalRowsSchema)).map((row) => ({
            role: row.Role.trim().split(/\s+/).pop() ?? row.Role,
            fqn: row.PrincipalFQN,
        })),
    );
    return { tables, views, principals };
}
