/**
 * Where a soak's rows end up, counted by the id every row carries: the Power BI emulator today
 * (powerBiSinkProbe), a Kusto/Eventhouse emulator later. A soak's tally (tallyRows) reads only this.
 */
export interface SinkProbe {
    /** For the report, e.g. `Power BI emulator`. */
    readonly name: string;
    /** How often each id is stored in `table`; ids never stored are absent. */
    countIds(table: string): Promise<Map<string, number>>;
}
