import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { Settings } from '../config/settings';
import type { PowerBiClient } from '../powerbi/powerBiClient';
import { createRefreshApi } from '../powerbi/refreshApi';
import type { StorageClients } from '../storage/storageClients';
import { createRefreshNotifier } from './notifyRefresh';
import type { RefreshDeps } from './refreshDeps';
import { createRefreshHistory } from './refreshHistory';
import { createRefreshLocks } from './refreshLocks';
import { createRefreshQueue } from './refreshQueue';
import { createRefreshSlots } from './refreshSlots';
import { createStaleEpisodes } from './staleEpisodes';

/** The clock of the refresh domain: the real one in the app; tests and benchmarks run it on the emulator's. */
export interface RefreshClock {
    now: () => Date;
    sleep: (seconds: number) => Promise<void>;
}

export const realClock: RefreshClock = {
    now: () => new Date(),
    sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
};

/** The refresh domain's dependencies from app settings, the config's targets and shared clients. */
export function createRefreshDeps(
    settings: Settings,
    targets: RefreshTarget[],
    storage: StorageClients,
    client: PowerBiClient,
    clock: RefreshClock = realClock,
): RefreshDeps {
    return {
        targets,
        defaultWorkspaceId: settings.POWERBI_WORKSPACE_ID,
        defaultSchedule: settings.REFRESH_SCHEDULE,
        api: createRefreshApi(client),
        history: createRefreshHistory(storage.tableClient(settings.REFRESH_TABLE)),
        locks: createRefreshLocks(storage.tableClient(settings.REFRESH_LOCK_TABLE), clock.now),
        slots: createRefreshSlots(storage.tableClient(settings.REFRESH_LOCK_TABLE)),
        episodes: createStaleEpisodes(storage.tableClient(settings.REFRESH_LOCK_TABLE)),
        queue: createRefreshQueue(storage.queueService, settings.REFRESH_QUEUE),
        notifier: createRefreshNotifier(settings.REFRESH_NOTIFY_URL, { format: settings.REFRESH_NOTIFY_FORMAT }),
        poll: {
            minSeconds: settings.REFRESH_POLL_MIN_SECONDS,
            maxSeconds: Math.max(settings.REFRESH_POLL_MIN_SECONDS, settings.REFRESH_POLL_MAX_SECONDS),
        },
        dropGraceSeconds: settings.REFRESH_DROP_GRACE_SECONDS,
        startBudgetSeconds: settings.REFRESH_START_BUDGET_SECONDS,
        retentionDays: settings.REFRESH_RETENTION_DAYS,
        now: clock.now,
        sleep: clock.sleep,
    };
}
