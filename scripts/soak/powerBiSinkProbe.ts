import { EmulatorProbe } from '../bench/emulatorProbe';
import type { SinkProbe } from './SinkProbe';

/** Counts a push dataset's rows per id through the Power BI emulator's control API (GET /_emulator/datasets). */
export function powerBiSinkProbe(emulatorUrl: string, dataset: string, idColumn: string): SinkProbe {
    return {
        name: 'Power BI emulator',
        async countIds(table) {
            const counts = new Map<string, number>();
            for (const [id, count] of await new EmulatorProbe(emulatorUrl, dataset, table).countBy(idColumn)) {
                counts.set(String(id), count);
            }
            return counts;
        },
    };
}
