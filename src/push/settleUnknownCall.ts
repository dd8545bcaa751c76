import type { TableConfig } from '../config/relayConfig';
import { readRowCount, toMarkerCountQuery } from '../powerbi/daxRowCounts';
import type { PowerBiClient } from '../powerbi/powerBiClient';
import type { UnknownOutcomeVerdict } from '../telemetry/relayMetrics';
import type { PendingCall } from './pushLedger';

/**
 * Whether a part of a call whose outcome is unknown is in Power BI, and whether Power BI itself said so; or, when
 * the count was throttled or failed for a while (429, 5xx, a timeout), when to count again, so a marker table
 * never falls back to guessing for a passing failure.
 */
export type UnknownCallVerdict =
    | { kind: 'settled'; landed: boolean; confirmed: boolean; failure?: string }
    | { kind: 'later'; seconds: number; failure: string };

/** How a settled part is counted: stored or notStored as Power BI's count said, unconfirmed as the policy decided. */
export const toUnknownOutcomeVerdict = (verdict: { landed: boolean; confirmed: boolean }): UnknownOutcomeVerdict =>
    verdict.confirmed ? (verdict.landed ? 'stored' : 'notStored') : 'unconfirmed';

/**
 * Settles an Add Rows call whose answer never came (a timeout, a reset, a 5xx, a crash before the ledger write).
 * With the table's marker column, the rows that carry the call's id are counted in Power BI (Datasets - Execute
 * Queries): some means the call was stored (Add Rows stores a call whole; a FIFO table may have trimmed some
 * since), none means it was not. Without a marker column, or when the count cannot be read, the table's
 * `ambiguousOutcome` decides and the verdict is unconfirmed.
 */
export async function settleUnknownCall(
    call: PendingCall,
    table: Pick<TableConfig, 'name' | 'markerColumn' | 'ambiguousOutcome'>,
    target: { workspaceId: string; datasetId: string },
    client: Pick<PowerBiClient, 'executeQuery'>,
): Promise<UnknownCallVerdict> {
    const policy = { kind: 'settled', landed: table.ambiguousOutcome === 'atMostOnce', confirmed: false } as const;
    if (table.markerColumn === undefined) return policy;
    const counted = await client.executeQuery(
        target.workspaceId,
        target.datasetId,
        toMarkerCountQuery(table.name, table.markerColumn, call.callId),
    );
    if (!counted.ok) {
        const { failure } = counted;
        if (failure.kind === 'throttled' || failure.kind === 'transient') {
            return { kind: 'later', seconds: failure.retryAfterSeconds ?? 30, failure: failure.message };
        }
        // Refused for good (no Build permission, DAX not served on this dataset): the policy decides.
        return { ...policy, failure: `the count query failed: ${failure.message}` };
    }
    const rows = readRowCount(counted.value);
    if (rows === undefined) return { ...policy, failure: 'the count query answered no number' };
    return { kind: 'settled', landed: rows > 0, confirmed: true };
}
