import { kustoSinkProbes } from './kustoSinkProbes';
import { powerBiSinkProbe } from './powerBiSinkProbe';
import type { SoakRequest } from './sendSoakTraffic';
import type { SoakStack } from './startSoakStack';
import { emptyPoisonedIds, type PoisonedIds } from './takePoisonedIds';
import { tallyRows, type TableTally } from './tallyRows';
import type { UnknownOutcomeLog } from './UnknownOutcomeLog';

export type SoakSink = 'Power BI' | 'Eventhouse';

/**
 * One table of one sink after a phase. In Power BI, with the rows the relay settled by policy (unconfirmed) or by
 * counting its marker (verified); in the Eventhouse, counted in the dedup view (so `unconfirmed` is 0: no copy may be
 * left after dedup), with `rawDuplicated`, the copies in the raw table before dedup (reported, not judged).
 */
export type SinkTableTally = TableTally & {
    sink: SoakSink;
    unconfirmed: number;
    verified: number;
    rawDuplicated?: number;
};

/** Each sink's tallies of a phase: Power BI's tables, then (dual-write) the Eventhouse's. */
export async function tallySinks(
    requests: readonly SoakRequest[],
    tables: readonly string[],
    options: {
        stack: SoakStack;
        dataset: string;
        idColumn: string;
        /** The push's poison queue, and (dual-write) the Eventhouse sink's. */
        poisoned: PoisonedIds;
        eventhousePoisoned?: PoisonedIds;
        log: UnknownOutcomeLog;
        outcomesFrom: number;
    },
): Promise<SinkTableTally[]> {
    const { stack, dataset, idColumn, log, outcomesFrom } = options;
    const powerBi = await tallyRows(
        requests,
        tables,
        powerBiSinkProbe(stack.emulatorUrl, dataset, idColumn),
        options.poisoned,
    );
    const tallies: SinkTableTally[] = powerBi.map((tally) => ({
        ...tally,
        sink: 'Power BI',
        unconfirmed: log.rows(tally.table, 'unconfirmed', outcomesFrom),
        verified: log.rows(tally.table, 'stored', outcomesFrom) + log.rows(tally.table, 'notStored', outcomesFrom),
    }));
    if (!stack.kusto) return tallies;
    const eventhousePoisoned = options.eventhousePoisoned ?? emptyPoisonedIds();
    const probes = kustoSinkProbes(stack.kusto, dataset, idColumn);
    const dedup = await tallyRows(requests, tables, probes.dedup, eventhousePoisoned);
    const raw = await tallyRows(requests, tables, probes.raw, eventhousePoisoned);
    return [
        ...tallies,
        ...dedup.map((tally, index) => ({
            ...tally,
            sink: 'Eventhouse' as const,
            unconfirmed: 0,
            verified: 0,
            rawDuplicated: raw[index]!.duplicated,
        })),
    ];
}
