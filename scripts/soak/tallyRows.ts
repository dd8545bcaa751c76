import type { PoisonedIds } from './takePoisonedIds';
import type { SinkProbe } from './SinkProbe';
import type { SoakRequest } from './sendSoakTraffic';

/** What became of one table's rows in one phase of a soak, counted per row id. */
export interface TableTally {
    table: string;
    requests: number;
    /** Requests answered 202, and their rows. */
    accepted: number;
    rowsAccepted: number;
    /** Accepted rows stored exactly once. */
    deliveredOnce: number;
    /** Accepted rows neither stored nor poisoned, and the first few of their ids (to look for in the relay's log). */
    lost: number;
    lostIds: string[];
    /** Copies beyond the first, of any row of the phase (accepted or not), and the first few of those rows' ids. */
    duplicated: number;
    duplicatedIds: string[];
    /** Accepted rows stored more than once (each counts its extra copies in `duplicated`). */
    duplicatedRowsAccepted: number;
    /** Accepted rows in the poison queue and not stored. */
    poisoned: number;
    /** Rows of requests without a 202 (the host died under them, or Storage was down), and how many of them arrived. */
    rowsNotAccepted: number;
    rowsNotAcceptedDelivered: number;
}

/** Counts each request's rows in the sink and in the poison queue, per table. */
export async function tallyRows(
    requests: readonly SoakRequest[],
    tables: readonly string[],
    sink: SinkProbe,
    poisoned: PoisonedIds,
): Promise<TableTally[]> {
    const tallies: TableTally[] = [];
    for (const table of tables) {
        const stored = await sink.countIds(table);
        const poison = poisoned.byTable.get(table) ?? new Set<string>();
        const tally: TableTally = {
            table,
            requests: 0,
            accepted: 0,
            rowsAccepted: 0,
            deliveredOnce: 0,
            lost: 0,
            lostIds: [],
            duplicated: 0,
            duplicatedIds: [],
            duplicatedRowsAccepted: 0,
            poisoned: 0,
            rowsNotAccepted: 0,
            rowsNotAcceptedDelivered: 0,
        };
        for (const request of requests.filter((candidate) => candidate.table === table)) {
            const accepted = request.status === 202;
            tally.requests += 1;
            if (accepted) tally.accepted += 1;
            for (const id of request.ids) {
                const copies = stored.get(id) ?? 0;
                tally.duplicated += Math.max(0, copies - 1);
                if (copies > 1 && tally.duplicatedIds.length < 20)
                    tally.duplicatedIds.push(`${id} x${copies} (${request.ingestionId ?? request.status})`);
                if (!accepted) {
                    tally.rowsNotAccepted += 1;
                    if (copies > 0) tally.rowsNotAcceptedDelivered += 1;
                    continue;
                }
                tally.rowsAccepted += 1;
                if (copies === 1) tally.deliveredOnce += 1;
                else if (copies > 1) tally.duplicatedRowsAccepted += 1;
                else if (copies === 0 && poison.has(id)) tally.poisoned += 1;
                else if (copies === 0 && tally.lost++ < 20) tally.lostIds.push(`${id} (${request.ingestionId})`);
            }
        }
        tallies.push(tally);
    }
    return tallies;
}
