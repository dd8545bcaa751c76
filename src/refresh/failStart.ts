import type { PowerBiFailure } from '../powerbi/powerBiFailure';
import type { QueuedAlert } from './queueAlert';
import { recordOutcome } from './recordOutcome';
import type { StoredRefresh } from './refreshHistory';
import type { RefreshRecord } from './refreshRecord';

export interface FailedStart {
    kind: 'failed';
    record: RefreshRecord;
    failure: PowerBiFailure;
    notification?: QueuedAlert;
}

/** Records a start that was refused or could not be made within the budget as Failed, with the service's words. */
export async function failStart(
    stored: StoredRefresh,
    failure: PowerBiFailure,
    deps: Parameters<typeof recordOutcome>[2],
): Promise<FailedStart> {
    const recorded = await recordOutcome(
        stored,
        (current) => ({
            ...current,
            ...stored.record,
            status: 'Failed',
            endTime: deps.now().toISOString(),
            error: { status: failure.status, code: failure.code ?? failure.kind, message: failure.message },
        }),
        deps,
    );
    return {
        kind: 'failed',
        record: recorded.record,
        failure,
        notification: recorded.kind === 'recorded' ? recorded.notification : undefined,
    };
}
