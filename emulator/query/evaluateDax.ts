import { powerBiErrors } from '../errors/powerBiErrors';
import type { StoredDataset, StoredTable } from '../state/StoredEntities';

/**
 * The only DAX the emulator evaluates, because it is the only DAX the relay sends (a row count, and a
 * count of the rows that carry one value in one column):
 *   EVALUATE ROW("<name>", COUNTROWS('<table>'))
 *   EVALUATE ROW("<name>", COUNTROWS(FILTER('<table>', '<table>'[<column>] = "<text>")))
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

export const supportedDaxShapes = [
    `EVALUATE ROW("<name>", COUNTROWS('<table>'))`,
    `EVALUATE ROW("<name>", COUNTROWS(FILTER('<table>', '<table>'[<column>] = "<text>")))`,
];

const unquote = (text: string, quote: string) => text.replaceAll(quote + quote, quote);

function findTable(dataset: StoredDataset, name: string): StoredTable {
    const table = dataset.tables.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
    if (!table) throw powerBiErrors.daxQueryFailed(`Cannot find table '${name}'.`);
    return table;
}

/** The one result row of a supported query: `{ "[<name>]": <count> }`, as Execute Queries keys ROW columns. */
export function evaluateDax(dataset: StoredDataset, query: string): Record<string, number> {
    const plain = countRows.exec(query);
    if (plain) {
        const [, name = '', tableName = ''] = plain;
        const table = findTable(dataset, unquote(tableName, "'"));
        return { [`[${unquote(name, '"')}]`]: table.rows.length };
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
        return { [`[${unquote(name, '"')}]`]: count };
    }
    throw powerBiErrors.daxQueryFailed(
        `The emulator evaluates only these DAX queries: ${supportedDaxShapes.join(' | ')}. Got: ${query.slice(0, 200)}`,
    );
}
