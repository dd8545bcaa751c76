import { parseExactly } from '../../emulator/http/exactJson';
import { kustoErrors } from '../errors/kustoErrors';

export type JsonFormat = 'json' | 'multijson';

/**
 * Splits a streaming ingestion body into records, as the formats are documented:
 * - `json`: one JSON object per line (lines separated by \n or \r\n; blank lines skipped);
 * - `multijson`: JSON objects, or arrays of objects, one after another separated by whitespace, each possibly spread
 *   over several lines.
 * Every record must be a JSON object (strict: the service's handling of other values is unconfirmed). A malformed line
 * of `json` is refused too, where the service skips it silently (documented: "Malformed records are ignored").
 */
export function parseRecords(format: JsonFormat, text: string): Record<string, unknown>[] {
    const values = format === 'json' ? jsonLines(text) : jsonSequence(text);
    const records: Record<string, unknown>[] = [];
    values.forEach((value, index) => {
        const items = format === 'multijson' && Array.isArray(value) ? value : [value];
        for (const item of items) {
            if (item === null || typeof item !== 'object' || Array.isArray(item)) {
                throw kustoErrors.invalidBlob(`Record ${records.length} (value ${index}) is not a JSON object.`);
            }
            records.push(item as Record<string, unknown>);
        }
    });
    if (records.length === 0) throw kustoErrors.noRecords();
    return records;
}

function jsonLines(text: string): unknown[] {
    return text
        .split(/\r?\n/)
        .map((line, index) => ({ line: line.trim(), index }))
        .filter(({ line }) => line !== '')
        .map(({ line, index }) => {
            try {
                return parseExactly(line);
            } catch (error) {
                throw kustoErrors.invalidBlob(
                    `Line ${index + 1} is not one JSON object (streamFormat=json takes one per line; use multijson for other layouts): ${(error as Error).message}`,
                );
            }
        });
}

/** Finds each top-level JSON value's end by bracket depth (outside strings), then parses it. */
function jsonSequence(text: string): unknown[] {
    const values: unknown[] = [];
    let index = 0;
    while (index < text.length) {
        while (index < text.length && /\s/.test(text[index]!)) index += 1;
        if (index >= text.length) break;
        const start = index;
        const opener = text[index];
        if (opener !== '{' && opener !== '[') {
            throw kustoErrors.invalidBlob(`Expected '{' or '[' at offset ${index} of the multijson body.`);
        }
        let depth = 0;
        let inString = false;
        for (; index < text.length; index += 1) {
            const char = text[index];
            if (inString) {
                if (char === '\\') index += 1;
                else if (char === '"') inString = false;
                continue;
            }
            if (char === '"') inString = true;
            else if (char === '{' || char === '[') depth += 1;
            else if (char === '}' || char === ']') {
                depth -= 1;
                if (depth === 0) break;
            }
        }
        if (depth !== 0) throw kustoErrors.invalidBlob(`The JSON value at offset ${start} is not closed.`);
        index += 1;
        try {
            values.push(parseExactly(text.slice(start, index)));
        } catch (error) {
            throw kustoErrors.invalidBlob(`The JSON value at offset ${start} is invalid: ${(error as Error).message}`);
        }
    }
    return values;
}
