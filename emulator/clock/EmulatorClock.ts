/**
 * The emulator's notion of "now". Runs at `timeScale` times real speed (60 = one emulated
 * minute per real second), can be frozen, advanced and set, so that hour-long quotas and
 * refreshes can be tested in milliseconds without sleeps.
 */
export class EmulatorClock {
    private baseEmulatedMs: number;
    private baseRealMs: number;
    private scale: number;
    private frozenFlag: boolean;

    constructor(options: { start?: Date; timeScale?: number; frozen?: boolean; realNow?: () => number } = {}) {
        this.realNow = options.realNow ?? Date.now;
        this.baseRealMs = this.realNow();
        this.baseEmulatedMs = options.start?.getTime() ?? this.baseRealMs;
        this.scale = options.timeScale ?? 1;
        this.frozenFlag = options.frozen ?? false;
    }

    private readonly realNow: () => number;

    nowMs(): number {
        if (this.frozenFlag) return this.baseEmulatedMs;
        return this.baseEmulatedMs + (this.realNow() - this.baseRealMs) * this.scale;
    }

    now(): Date {
        return new Date(this.nowMs());
    }

    get timeScale(): number {
        return this.scale;
    }

    get frozen(): boolean {
        return this.frozenFlag;
    }

    /** Moves emulated time forward; refreshes and rate windows see the jump immediately. */
    advance(ms: number): Date {
        if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The clock only moves forward');
        this.rebase();
        this.baseEmulatedMs += ms;
        return this.now();
    }

    set(to: Date): Date {
        this.rebase();
        this.baseEmulatedMs = to.getTime();
        return this.now();
    }

    freeze(): Date {
        this.rebase();
        this.frozenFlag = true;
        return this.now();
    }

    resume(): Date {
        this.rebase();
        this.frozenFlag = false;
        return this.now();
    }

    setTimeScale(scale: number): void {
        if (!Number.isFinite(scale) || scale <= 0) throw new RangeError('timeScale must be a positive number');
        this.rebase();
        this.scale = scale;
    }

    /** Real milliseconds until the emulated clock reaches `emulatedMs` (Infinity when frozen). */
    realMsUntil(emulatedMs: number): number {
        const remaining = emulatedMs - this.nowMs();
        if (remaining <= 0) return 0;
        return this.frozenFlag ? Number.POSITIVE_INFINITY : remaining / this.scale;
    }

    /**
     * Retry-After as a client living in real time must read it: on a running scaled clock an emulated wait of
     * 60 s at time scale 60 is one real second; on a frozen clock (tests advance it) it stays in emulated seconds.
     */
    retryAfterSeconds(emulatedSeconds: number): number {
        if (this.frozenFlag) return emulatedSeconds;
        return Math.max(1, Math.ceil(emulatedSeconds / this.scale));
    }

    private rebase(): void {
        this.baseEmulatedMs = this.nowMs();
        this.baseRealMs = this.realNow();
    }
}
