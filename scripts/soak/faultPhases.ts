import type { FaultInput } from '../../emulator';
import type { KustoFaultInput } from '../../kusto-emulator';

/**
 * One phase of the fault soak: traffic while `faults` are injected into the Power BI emulator again every
 * `everyMs` (each with its own `count`), or while Azurite is restarted `azuriteRestarts` times; then the faults are
 * cleared and the rows drained.
 */
export interface FaultPhase {
    name: string;
    /** What the phase exercises, for the report. */
    what: string;
    faults: FaultInput[];
    /** Faults injected into the Kusto emulator as well (dual-write soaks only: a phase with them needs one). */
    kustoFaults?: KustoFaultInput[];
    everyMs: number;
    azuriteRestarts?: number;
}

/** Power BI's answer to a call, or how the call fails, as the emulator injects it (emulator/README.md, Fault injection). */
export const faultPhases: readonly FaultPhase[] = [
    {
        name: '429',
        what: 'Add Rows answers 429 with Retry-After 2',
        faults: [{ operation: 'postRows', kind: 'status', status: 429, retryAfterSeconds: 2, count: 2 }],
        everyMs: 1_000,
    },
    {
        name: '500',
        what: 'Add Rows answers 500',
        faults: [{ operation: 'postRows', kind: 'status', status: 500, count: 2 }],
        everyMs: 1_000,
    },
    {
        name: '503',
        what: 'Add Rows answers 503 with Retry-After 1',
        faults: [{ operation: 'postRows', kind: 'status', status: 503, retryAfterSeconds: 1, count: 2 }],
        everyMs: 1_000,
    },
    {
        name: 'hang',
        what: 'Add Rows never answers (past the client timeout) and stores nothing',
        faults: [{ operation: 'postRows', kind: 'hang' }],
        everyMs: 1_500,
    },
    {
        name: 'applied, then timeout',
        what: 'Add Rows stores the rows, then never answers',
        faults: [{ operation: 'postRows', kind: 'applied', then: 'hang' }],
        everyMs: 1_500,
    },
    {
        name: 'applied, then reset or 500',
        what: 'Add Rows stores the rows, then drops the connection or answers 500',
        faults: [
            { operation: 'postRows', kind: 'applied', then: 'reset' },
            { operation: 'postRows', kind: 'applied', then: 'status', status: 500 },
        ],
        everyMs: 1_500,
    },
    {
        name: 'applied; count fails',
        what: 'Add Rows stores the rows and times out; the marker count answers 429 or 500 first',
        faults: [
            { operation: 'postRows', kind: 'applied', then: 'hang' },
            { operation: 'executeQueries', kind: 'status', status: 429, retryAfterSeconds: 1 },
            { operation: 'executeQueries', kind: 'status', status: 500 },
        ],
        everyMs: 1_500,
    },
    {
        name: 'reset',
        what: 'Add Rows drops the connection without storing',
        faults: [{ operation: 'postRows', kind: 'reset', count: 2 }],
        everyMs: 1_000,
    },
    {
        name: 'slow',
        what: 'Add Rows answers after 2 s (within the 3 s client timeout)',
        faults: [{ operation: 'postRows', kind: 'delay', delayMs: 2_000, count: 3 }],
        everyMs: 1_000,
    },
    {
        name: 'token endpoint failing',
        what: "Power BI refuses the relay's token as expired and /msi/token answers 503, 500 or resets",
        faults: [
            { operation: 'postRows', kind: 'tokenExpired' },
            { operation: 'msiToken', kind: 'status', status: 503, retryAfterSeconds: 1 },
            { operation: 'msiToken', kind: 'status', status: 500 },
            { operation: 'msiToken', kind: 'reset' },
        ],
        everyMs: 2_000,
    },
    {
        name: 'expired token',
        what: "Power BI refuses the relay's token as expired (403 TokenExpired)",
        faults: [{ operation: 'postRows', kind: 'tokenExpired' }],
        everyMs: 1_500,
    },
    {
        name: 'Kusto 429 and 520',
        what: 'streaming ingestion answers 429 (Retry-After 1) or 520; Power BI answers 429 meanwhile',
        faults: [{ operation: 'postRows', kind: 'status', status: 429, retryAfterSeconds: 1, count: 1 }],
        kustoFaults: [
            { operation: 'ingest', kind: 'status', status: 429, retryAfterSeconds: 1, count: 2 },
            { operation: 'ingest', kind: 'status', status: 520, count: 2 },
        ],
        everyMs: 1_000,
    },
    {
        name: 'Kusto applied, then reset or hang',
        what: 'streaming ingestion commits the rows, then drops the connection or never answers (past the timeout)',
        faults: [],
        kustoFaults: [
            { operation: 'ingest', kind: 'applied', then: 'reset' },
            { operation: 'ingest', kind: 'applied', then: 'hang' },
        ],
        everyMs: 1_500,
    },
    {
        name: 'Azurite restarts',
        what: 'Azurite stopped (SIGTERM) and started again on its data, down 2 s, twice',
        faults: [],
        everyMs: 1_000,
        azuriteRestarts: 2,
    },
];
