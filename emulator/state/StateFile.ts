import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredState } from './StoredEntities';

/**
 * `<dataDir>/state.json`: the whole store, written atomically (temp file + rename) shortly after
 * each change and on close. Rate-limit windows, faults and the request log are not kept.
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
        const state = JSON.parse(readFileSync(this.path, 'utf8')) as StoredState;
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
