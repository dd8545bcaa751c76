import type { RefreshTarget } from '../config/refreshTargetSchema';
import type { RefreshApi } from '../powerbi/refreshApi';
import type { PollPolicy } from './pollDelay';
import type { RefreshHistory } from './refreshHistory';
import type { RefreshLocks } from './refreshLocks';
import type { RefreshNotifier } from './notifyRefresh';
import type { RefreshQueue } from './refreshQueue';
import type { RefreshSlots } from './refreshSlots';
import type { StaleEpisodes } from './staleEpisodes';

/** Everything the refresh domain needs, wired by src/runtime/relay.ts (and by tests against real services). */
export interface RefreshDeps {
    targets: RefreshTarget[];
    /** POWERBI_WORKSPACE_ID: the workspace of targets that do not name one. */
    defaultWorkspaceId: string;
    /** REFRESH_SCHEDULE: the schedule of targets that do not name one. */
    defaultSchedule: string;
    /** Every Power BI call the refresh domain makes. */
    api: RefreshApi;
    history: RefreshHistory;
    locks: RefreshLocks;
    slots: RefreshSlots;
    episodes: StaleEpisodes;
    queue: RefreshQueue;
    notifier: RefreshNotifier;
    poll: PollPolicy;
    dropGraceSeconds: number;
    startBudgetSeconds: number;
    retentionDays: number;
    /** The relay's clock: Date in Azure, the emulator's scaled clock in tests. */
    now: () => Date;
    /** Waits between start retries (seconds of the relay's clock). */
    sleep: (seconds: number) => Promise<void>;
}
