import { kustoErrors } from '../errors/kustoErrors';

export type CslToken =
    | { kind: 'name'; text: string; quoted: boolean; at: number }
    | { kind: 'string'; text: string; at: number }
    | { kind: 'number'; value: number; text: string; at: number }
    | { kind: 'punct'; text: string; at: number };

const punctuation = ['==', '!=', '>=', '<=', '=', '>', '<', '|', '(', ')', ',', ':', '.', '{', '}', '*', ';', '[', ']'];

/**
 * Splits management commands and queries of the emulator's subset into tokens: names (letters, digits, `_`, and
 * the dashes of command keywords such as `create-merge`; or `['quoted']`), string literals (`'..'` and `".."` with
 * backslash escapes, verbatim `@'..'` / `@".."` with doubled quotes), numbers and punctuation.
 */
export function tokenizeCsl(text: string): CslToken[] {
    const tokens: CslToken[] = [];
    let at = 0;
    while (at < text.length) {
        const rest = text.slice(at);
        const space = /^(?:\s+|\/\/[^\n]*)/.exec(rest);
        if (space) {
            at += space[0].length;
            continue;
        }
        const bracketed = /^\[\s*(['"])/.exec(rest);
        if (bracketed) {
            const literal = readString(text, at + bracketed[0].length - 1, false);
            const close = /^\s*\]/.exec(text.slice(literal.end));
            if (!close) throw kustoErrors.syntaxError(`expected ']' after the quoted name at position ${at}`);
            tokens.push({ kind: 'name', text: literal.value, quoted: true, at });
            at = literal.end + close[0].length;
            continue;
        }
        const name = /^[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
        if (name) {
            tokens.push({ kind: 'name', text: name[0], quoted: false, at });
            at += name[0].length;
            continue;
        }
        const number = /^-?\d+(?:\.\d+)?/.exec(rest);
        if (number) {
            tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at });
            at += number[0].length;
            continue;
        }
        if (rest.startsWith("'") || rest.startsWith('"') || /^@['"]/.test(rest)) {
            const verbatim = rest.startsWith('@');
            const literal = readString(text, verbatim ? at + 1 : at, verbatim);
            tokens.push({ kind: 'string', text: literal.value, at });
            at = literal.end;
            continue;
        }
        const mark = punctuation.find((candidate) => rest.startsWith(candidate));
        if (!mark) throw kustoErrors.syntaxError(`unexpected character '${rest[0]}' at position ${at}`);
        tokens.push({ kind: 'punct', text: mark, at });
        at += mark.length;
    }
    return tokens;
}

function readString(text: string, start: number, verbatim: boolean): { value: string; end: number } {
    const quote = text[start];
    let value = '';
    let index = start + 1;
    while (index < text.length) {
        const char = text[index]!;
        if (verbatim) {
            if (char === quote) {
                if (text[index + 1] === quote) {
                    value += quote;
                    index += 2;
                    continue;
                }
                return { value, end: index + 1 };
            }
            value += char;
            index += 1;
            continue;
        }
        if (char === '\\') {
            const next = text[index + 1];
            const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
            if (next === undefined || escapes[next] === undefined) {
                throw kustoErrors.syntaxError(`unknown escape '\\${next ?? ''}' at position ${index}`);
            }
            value += escapes[next];
            index += 2;
            continue;
        }
        if (char === quote) return { value, end: index + 1 };
        if (char === '\n') break;
        value += char;
        index += 1;
    }
    throw kustoErrors.syntaxError(`unterminated string literal at position ${start}`);
}
