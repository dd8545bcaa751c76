import { z } from 'zod';
import { kustoErrors } from '../errors/kustoErrors';
import { parseJsonPath } from '../ingest/jsonPath';
import { toKustoType } from '../state/kustoTypes';
import type { StoredMappingElement, StoredTable } from '../state/KustoStore';

/**
 * A mapping element in either documented form: `{"column","path","datatype"?,"transform":null?}` or
 * `{"Column","DataType"?,"Properties":{"Path"}}` (property names case-insensitive). ConstValue and transforms are not
 * emulated (refused).
 */
const elementSchema = z
    .record(z.string(), z.unknown())
    .transform((raw) => Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value])))
    .pipe(
        z.strictObject({
            column: z.string().min(1),
            path: z.string().min(1).optional(),
            datatype: z.string().optional(),
            transform: z.null().optional(),
            properties: z
                .record(z.string(), z.unknown())
                .transform((raw) =>
                    Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.toLowerCase(), value])),
                )
                .pipe(z.strictObject({ path: z.string().min(1) }))
                .optional(),
        }),
    );

/**
 * Checks a JSON mapping's text against its table: a JSON array of elements, each column once and existing in the
 * table, each path in the supported JSONPath subset, `datatype` (when given and not empty) the column's own type.
 * Stricter than the service in places (README: "Where the emulator differs").
 */
export function parseMappingElements(text: string, table: StoredTable, mapping: string): StoredMappingElement[] {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw kustoErrors.badRequest(`Mapping '${mapping}' is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = z.array(elementSchema).min(1).safeParse(json);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw kustoErrors.badRequest(
            `Mapping '${mapping}' must be a JSON array of {"column","path","datatype"?} or {"Column","Properties":{"Path"}}: ${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? ''}`,
        );
    }
    const seen = new Set<string>();
    return parsed.data.map((element, index) => {
        const column = table.columns.find((candidate) => candidate.name === element.column);
        const where = `Mapping '${mapping}' element ${index} (column '${element.column}')`;
        if (!column) throw kustoErrors.badRequest(`${where}: table '${table.name}' has no such column.`);
        if (seen.has(element.column)) throw kustoErrors.badRequest(`${where}: the column is mapped twice.`);
        seen.add(element.column);
        const path = element.path ?? element.properties?.path;
        if (path === undefined || (element.path !== undefined && element.properties !== undefined)) {
            throw kustoErrors.badRequest(`${where}: give the path once, as "path" or as "Properties":{"Path"}.`);
        }
        if (!parseJsonPath(path)) {
            throw kustoErrors.badRequest(
                `${where}: path '${path}' is not a supported JSONPath ($.a.b, $['a'], $[0]; constants are not emulated).`,
            );
        }
        if (element.datatype === undefined || element.datatype === '') return { column: element.column, path };
        const datatype = toKustoType(element.datatype);
        if (datatype !== column.type) {
            throw kustoErrors.badRequest(
                `${where}: datatype '${element.datatype}' does not match the column's type '${column.type}'.`,
            );
        }
        return { column: element.column, path, datatype };
    });
}
