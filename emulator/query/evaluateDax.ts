import { powerBiErrors } from '../errors/powerBiErrors';
import type { StoredDataset, StoredTable } from '../state/StoredEntities';

/**
 * The only DAX the emulator evaluates: what the relay sends (a row count, and a count of the rows that carry
 * one value in one column), and a whole table, to read stored values (exact numbers with their digits) back:
 *   EVALUATE ROW("<name>", COUNTROWS('<table>'))
 *   EVALUATE ROW("<name>", COUNTROWS(FILTER('<table>', '<table>'[<column>] = "<text>")))
 *   EVALUATE '<table>'
 * Keywords and whitespace are free; names follow DAX quoting ('' inside a table name, ]] inside a column
 * name, "" inside a string) and match the model case-insensitively, as DAX does. Any other query is a
 * 400 that says so, so a relay that starts sending other DAX is caught by its tests.
 */
const quotedTable = String.raw`'((?:[^']|'')+)'`;
const quotedColumn = String.raw`\[((?:[^\]]|\]\])+)\]`;
const quotedText = String.raw`"((?:[^"]|"")*)"`;
const countRows = new RegExp(
    String.raw`^\s*EVALUATE\s+ROW\s*\(\s*${quotedText}\s*,\s*COUNTROWS\s*\(\s*${quotedTable}\s*\)\s*\)\s*$`,
    'is',
);
const countMatching = new RegExp(
    String.raw`^\s*EVALUATE\s+ROW\s*\(\s*${quotedText}\s*,\s*COUNTROWS\s*\(\s*FILTER\s*\(\s*${quotedTable}\s*,\s*${quotedTable}\s*${quotedColumn}\s*=\s*${quotedText}\s*\)\s*\)\s*\)\s*$`,
    'is',
);

const wholeTable = new RegExp(String.raw`^\s*EVALUATE\s+${quotedTable}\s*$`, 'is');

export const supportedDaxShapes = [
    `EVALUATE ROW("<name>", COUNTROWS('<table>'))`,
    `EVALUATE ROW("<name>", COUNTROWS(FILTER('<table>', '<table>'[<column>] = "<text>")))`,
    `EVALUATE '<table>'`,
];

/** Documented: at most 100,000 rows or 1,000,000 values per query; what the service does past them is unconfirmed. */
const maxResultRows = 100_000;
const maxResultValues = 1_000_000;

const unquote = (text: string, quote: string) => text.replaceAll(quote + quote, quote);

function findTable(dataset: StoredDataset, name: string): StoredTable {
    const table = dataset.tables.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!table) throw powerBiErrors.daxQueryFailed(`Cannot find table '${name}'.`);
    return table;
}

/**
 * The result rows of a supported query: one `{ "[<name>]": <count> }` for a count, as Execute Queries keys ROW
 * columns; for a whole table each stored row keyed `<table>[<column>]`, as the documented example keys them, a
 * column without a value left out unless `includeNulls` (then null).
 */
export function evaluateDax(dataset: StoredDataset, query: string, includeNulls: boolean): Record<string, unknown>[] {
    const whole = wholeTable.exec(query);
    if (whole) {
        const table = findTable(dataset, unquote(whole[1] ?? '', "'"));
        if (table.rows.length > maxResultRows || table.rows.length * table.columns.length > maxResultValues) {
            throw powerBiErrors.daxQueryFailed(
                `The result exceeds ${maxResultRows} rows or ${maxResultValues} values; query fewer rows.`,
            );
        }
        return table.rows.map((row) =>
            Object.fromEntries(
                table.columns
                    .filter((column) => includeNulls || (row[column.name] ?? null) !== null)
                    .map((column) => [`${table.name}[${column.name}]`, row[column.name] ?? null]),
            ),
        );
    }
    const plain = countRows.exec(query);
    if (plain) {
        const [, name = '', tableName = ''] = plain;
        const table = findTable(dataset, unquote(tableName, "'"));
        return [{ [`[${unquote(name, '"')}]`]: table.rows.length }];
    }
    const filtered = countMatching.exec(query);
    if (filtered) {
        const [, name = '', tableName = '', columnTable = '', columnName = '', text = ''] = filtered;
        const table = findTable(dataset, unquote(tableName, "'"));
        if (unquote(columnTable, "'").toLowerCase() !== table.name.toLowerCase()) {
            throw powerBiErrors.daxQueryFailed(
                `The column filter names table '${unquote(columnTable, "'")}', not the filtered table '${table.name}'.`,
            );
        }
        const wanted = unquote(columnName, ']').toLowerCase();
        const column = table.columns.find((candidate) => candidate.name.toLowerCase() === wanted);
        if (!column) {
            throw powerBiErrors.daxQueryFailed(
                `Column '${unquote(columnName, ']')}' cannot be found in table '${table.name}'.`,
            );
        }
        const value = unquote(text, '"');
        const count = table.rows.filter((row) => row[column.name] === value).length;
        return [{ [`[${unquote(name, '"')}]`]: count }];
    }
    throw powerBiErrors.daxQueryFailed(
        `The emulator evaluates only these DAX queries: ${supportedDaxShapes.join(' | ')}. Got: ${query.slice(0, 200)}`,
    );
}
