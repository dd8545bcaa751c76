import type { UnknownOutcome } from '../../src/push/deliverRows';

const marker = 'pbi-relay call outcome unknown';

/**
 * The calls a relay settled after their answer never came, read from the hosts' output: the push function logs each
 * verdict (`pbi-relay call outcome unknown, settled by …`, the outcome object in Node's inspect form, over several
 * lines of one stream) before it pushes the rows again, so a host killed right after still told it.
 */
export class UnknownOutcomeLog {
    readonly outcomes: Pick<UnknownOutcome, 'table' | 'rows' | 'verdict' | 'pushedAgain'>[] = [];
    readonly #open = new Map<string, string>();

    /** Feed every line of every host, with the stream it came on. */
    read(line: string, stream: string): void {
        let text = this.#open.get(stream);
        if (text === undefined) {
            const at = line.indexOf(marker);
            if (at === -1) return;
            text = line.slice(at);
        } else {
            text += `\n${line}`;
        }
        const depth = [...text].reduce((sum, char) => sum + (char === '{' ? 1 : char === '}' ? -1 : 0), 0);
        if (depth > 0 || !text.includes('{')) {
            this.#open.set(stream, text);
            return;
        }
        this.#open.delete(stream);
        const field = (name: string) => new RegExp(`${name}: '?([^',\\n}]*)'?`).exec(text!)?.[1]?.trim();
        const verdict = field('verdict');
        if (verdict !== 'stored' && verdict !== 'notStored' && verdict !== 'unconfirmed') return;
        this.outcomes.push({
            table: field('table') ?? '',
            rows: Number(field('rows') ?? 0),
            verdict,
            pushedAgain: field('pushedAgain') === 'true',
        });
    }

    /** Rows of `table` settled with `verdict` since outcome number `from` (a phase's start). */
    rows(table: string, verdict: UnknownOutcome['verdict'], from = 0): number {
        return this.outcomes
            .slice(from)
            .filter((outcome) => outcome.table === table && outcome.verdict === verdict)
            .reduce((sum, outcome) => sum + outcome.rows, 0);
    }
}
