import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LosslessNumber } from 'lossless-json';
import type { StoredState } from './StoredEntities';

/** JSON.stringify writes a LosslessNumber as its fields; loading makes it one again. */
const reviveExactNumber = (_key: string, value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    (value as { isLosslessNumber?: unknown }).isLosslessNumber === true &&
    typeof (value as { value?: unknown }).value === 'string'
        ? new LosslessNumber((value as { value: string }).value)
        : value;

/**
 * `<dataDir>/state.json`: the whole store, written atomically (temp file + rename) shortly after
 * each change and on close. Rate-limit windows, faults and the request log are not kept. Exact
 * numbers in rows are written as `{"value":"<digits>","isLosslessNumber":true}` and read back as such.
 */
export class StateFile {
    private readonly path: string;
    private timer: NodeJS.Timeout | undefined;

    constructor(
        dataDir: string,
        private readonly current: () => StoredState,
    ) {
        mkdirSync(dataDir, { recursive: true });
        this.path = join(dataDir, 'state.json');
    }

    load(): StoredState | undefined {
        if (!existsSync(this.path)) return undefined;
        const text = readFileSync(this.path, 'utf8');
        // The reviver runs only for a state that holds an exact number: it slows the load of a large one.
        const state = (
            text.includes('"isLosslessNumber":true') ? JSON.parse(text, reviveExactNumber) : JSON.parse(text)
        ) as StoredState;
        if (state.version !== 1) throw new Error(`${this.path} has unsupported version ${String(state.version)}`);
        return state;
    }

    scheduleSave(): void {
        if (this.timer) return;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.saveNow();
        }, 100);
        this.timer.unref();
    }

    saveNow(): void {
        if (this.timer) {
            clearTimeout(this.timer);
            this.timer = undefined;
        }
        const temporary = `${this.path}.tmp`;
        writeFileSync(temporary, JSON.stringify(this.current()));
        renameSync(temporary, this.path);
    }
}
