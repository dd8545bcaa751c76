import type { RefreshTarget } from '../config/refreshTargetSchema';
import { parseRefreshSchedule, type RefreshSchedule } from '../schedule/refreshSchedule';

/** A target's own schedule, or REFRESH_SCHEDULE; both read in the target's time zone (both are validated at load). */
export function targetSchedule(target: RefreshTarget, defaultSchedule: string): RefreshSchedule {
    return parseRefreshSchedule(target.schedule ?? defaultSchedule, target.timeZone);
}
