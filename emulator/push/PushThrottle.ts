import type { Limits } from '../limits/Limits';

const minuteMs = 60_000;
const hourMs = 3_600_000;

export type ThrottleVerdict =
    | { allowed: true }
    | {
          allowed: false;
          reason: 'requestsPerMinute' | 'requestsPerHour' | 'rowsPerHour' | 'pending';
          retryAfterSeconds: number;
      };

interface DatasetWindow {
    requestTimes: number[];
    rowEvents: { atMs: number; rows: number }[];
    /** Emulated end times of POST rows requests in flight (Infinity when unknown). */
    pending: Set<{ untilMs: number }>;
}

/**
 * Per-dataset POST rows budgets from the push limits page: requests per minute, requests per hour once
 * a table holds 250,000 rows, rows per hour and pending requests. Windows slide on the emulator clock,
 * so Retry-After is the exact time until enough of the budget frees up.
 */
export class PushThrottle {
    private readonly windows = new Map<string, DatasetWindow>();

    constructor(private readonly limits: () => Limits) {}

    check(datasetId: string, nowMs: number, rows: number, targetTableRows: number): ThrottleVerdict {
        const limits = this.limits();
        const window = this.windowFor(datasetId);
        this.prune(window, nowMs);

        if (window.pending.size >= limits.maxPendingPostRowsRequests) {
            const soonest = Math.min(...[...window.pending].map((entry) => entry.untilMs));
            return { allowed: false, reason: 'pending', retryAfterSeconds: toSeconds(soonest - nowMs) };
        }
        const lastMinute = window.requestTimes.filter((t) => t > nowMs - minuteMs);
        if (lastMinute.length >= limits.maxPostRowsRequestsPerMinute) {
            const freesAt = lastMinute[lastMinute.length - limits.maxPostRowsRequestsPerMinute]! + minuteMs;
            return { allowed: false, reason: 'requestsPerMinute', retryAfterSeconds: toSeconds(freesAt - nowMs) };
        }
        if (targetTableRows >= limits.slowdownTableRows) {
            const lastHour = window.requestTimes;
            if (lastHour.length >= limits.maxPostRowsRequestsPerHourAfterSlowdown) {
                const freesAt = lastHour[lastHour.length - limits.maxPostRowsRequestsPerHourAfterSlowdown]! + hourMs;
                return { allowed: false, reason: 'requestsPerHour', retryAfterSeconds: toSeconds(freesAt - nowMs) };
            }
        }
        const rowsLastHour = window.rowEvents.reduce((sum, event) => sum + event.rows, 0);
        if (rowsLastHour + rows > limits.maxRowsPerHour) {
            // Oldest events expire first; find when enough rows have left the window.
            let excess = rowsLastHour + rows - limits.maxRowsPerHour;
            let freesAt = nowMs;
            for (const event of window.rowEvents) {
                excess -= event.rows;
                freesAt = event.atMs + hourMs;
                if (excess <= 0) break;
            }
            return { allowed: false, reason: 'rowsPerHour', retryAfterSeconds: toSeconds(freesAt - nowMs) };
        }
        return { allowed: true };
    }

    /** Counts a request that passed the throttle (whether or not its rows turn out valid). */
    recordRequest(datasetId: string, nowMs: number): void {
        this.windowFor(datasetId).requestTimes.push(nowMs);
    }

    recordRows(datasetId: string, nowMs: number, rows: number): void {
        if (rows > 0) this.windowFor(datasetId).rowEvents.push({ atMs: nowMs, rows });
    }

    /** Marks a request as pending until `release` is called; `untilMs` feeds Retry-After. */
    beginPending(datasetId: string, untilMs: number): () => void {
        const entry = { untilMs };
        const window = this.windowFor(datasetId);
        window.pending.add(entry);
        return () => window.pending.delete(entry);
    }

    forget(datasetId?: string): void {
        if (datasetId === undefined) this.windows.clear();
        else this.windows.delete(datasetId);
    }

    private windowFor(datasetId: string): DatasetWindow {
        let window = this.windows.get(datasetId);
        if (!window) {
            window = { requestTimes: [], rowEvents: [], pending: new Set() };
            this.windows.set(datasetId, window);
        }
        return window;
    }

    private prune(window: DatasetWindow, nowMs: number): void {
        const hourAgo = nowMs - hourMs;
        while (window.requestTimes.length > 0 && window.requestTimes[0]! <= hourAgo) window.requestTimes.shift();
        while (window.rowEvents.length > 0 && window.rowEvents[0]!.atMs <= hourAgo) window.rowEvents.shift();
    }
}

function toSeconds(ms: number): number {
    if (!Number.isFinite(ms)) return 1;
    return Math.max(1, Math.ceil(ms / 1000));
}
