import { kustoErrors } from '../errors/kustoErrors';
import type { CslToken } from './tokenizeCsl';

/** Reads a token list left to right; every `expect*` names what it wanted when the text has something else. */
export class CslCursor {
    private index = 0;

    constructor(
        private readonly tokens: CslToken[],
        private readonly what: string,
    ) {}

    peek(offset = 0): CslToken | undefined {
        return this.tokens[this.index + offset];
    }

    atEnd(): boolean {
        return this.index >= this.tokens.length;
    }

    /** True (and consumed) when the next token is the keyword, compared case-insensitively. */
    acceptKeyword(keyword: string): boolean {
        const token = this.peek();
        if (token?.kind === 'name' && !token.quoted && token.text.toLowerCase() === keyword) {
            this.index += 1;
            return true;
        }
        return false;
    }

    acceptPunct(mark: string): boolean {
        const token = this.peek();
        if (token?.kind === 'punct' && token.text === mark) {
            this.index += 1;
            return true;
        }
        return false;
    }

    expectKeyword(keyword: string): void {
        if (!this.acceptKeyword(keyword)) this.fail(`'${keyword}'`);
    }

    expectPunct(mark: string): void {
        if (!this.acceptPunct(mark)) this.fail(`'${mark}'`);
    }

    /** An entity name: a bare name or a `['quoted']` one. */
    expectName(role: string): string {
        const token = this.peek();
        if (token?.kind !== 'name') this.fail(role);
        this.index += 1;
        return token.text;
    }

    /** A string literal; adjacent literals are one string, as in KQL (`'[' '{...}' ']'`). */
    expectString(role: string): string {
        const token = this.peek();
        if (token?.kind !== 'string') this.fail(`${role} (a string literal)`);
        this.index += 1;
        let text = token.text;
        for (let next = this.peek(); next?.kind === 'string'; next = this.peek()) {
            text += next.text;
            this.index += 1;
        }
        return text;
    }

    /** A string literal or a bare name (mapping names may be either). */
    expectNameOrString(role: string): string {
        const token = this.peek();
        if (token?.kind === 'string' || token?.kind === 'name') {
            this.index += 1;
            return token.text;
        }
        this.fail(role);
    }

    next(): CslToken | undefined {
        const token = this.peek();
        if (token) this.index += 1;
        return token;
    }

    expectEnd(): void {
        this.acceptPunct(';');
        if (!this.atEnd()) this.fail('the end of the text');
    }

    fail(expected: string): never {
        const token = this.peek();
        const found = token ? `'${'text' in token ? token.text : ''}' at position ${token.at}` : 'the end of the text';
        throw kustoErrors.syntaxError(
            `expected ${expected} but found ${found} (the emulator supports a subset of ${this.what}; see kusto-emulator/README.md)`,
        );
    }
}
