import { z } from 'zod';

const datasetsSchema = z.object({
    value: z.array(
        z.object({
            name: z.string(),
            tables: z.array(
                z.object({
                    name: z.string(),
                    rowCount: z.number(),
                    rows: z.array(z.record(z.string(), z.unknown())).optional(),
                }),
            ),
        }),
    ),
});

const requestsSchema = z.object({
    value: z.array(
        z.object({
            time: z.string(),
            operation: z.string().optional(),
            status: z.number(),
            rows: z.number().optional(),
        }),
    ),
});

export interface AddRowsCall {
    atMs: number;
    status: number;
    rows: number;
}

/** The Power BI emulator's control API (emulator/README.md, "Control API"), as the benchmark reads it. */
export class EmulatorProbe {
    constructor(
        readonly url: string,
        readonly dataset: string,
        readonly table: string,
    ) {}

    async #json(path: string, init?: RequestInit): Promise<unknown> {
        const response = await fetch(`${this.url}/_emulator/${path}`, init);
        if (!response.ok) throw new Error(`${init?.method ?? 'GET'} /_emulator/${path}: ${response.status}`);
        return response.status === 204 ? undefined : response.json();
    }

    /**
     * The table in every dataset of that name: instances that create the dataset at once can make two push datasets
     * of the same name (issue 9, item 5), and a row in either one has reached Power BI.
     */
    async #tables(includeRows: boolean) {
        const datasets = datasetsSchema.parse(await this.#json(`datasets?includeRows=${includeRows}`));
        return datasets.value
            .filter((d) => d.name === this.dataset)
            .flatMap((d) => d.tables.filter((t) => t.name === this.table));
    }

    async rowCount(): Promise<number> {
        return (await this.#tables(false)).reduce((sum, table) => sum + table.rowCount, 0);
    }

    /** How many push datasets carry the dataset's name (1 unless creation raced). */
    async datasetCount(): Promise<number> {
        return (await this.#tables(false)).length;
    }

    /** How often each value of `column` is stored in the table. */
    async countBy(column: string): Promise<Map<unknown, number>> {
        const counts = new Map<unknown, number>();
        for (const table of await this.#tables(true)) {
            for (const row of table.rows ?? []) counts.set(row[column], (counts.get(row[column]) ?? 0) + 1);
        }
        return counts;
    }

    async addRowsCalls(): Promise<AddRowsCall[]> {
        const log = requestsSchema.parse(await this.#json('requests'));
        return log.value
            .filter((entry) => entry.operation === 'postRows')
            .map((entry) => ({ atMs: Date.parse(entry.time), status: entry.status, rows: entry.rows ?? 0 }));
    }

    async clearRequests(): Promise<void> {
        await this.#json('requests', { method: 'DELETE' });
    }

    async updateLimits(limits: Record<string, number>): Promise<void> {
        await this.#json('limits', {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(limits),
        });
    }

    async limits(): Promise<Record<string, number>> {
        return z.record(z.string(), z.number()).parse(await this.#json('limits'));
    }
}
