import type { LimitsOverride } from './limits/Limits';
import type { Seed } from './control/controlSchemas';

export interface EmulatorLogger {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

export interface IdentityOptions {
    /** The secret clients send as X-IDENTITY-HEADER (env IDENTITY_HEADER). Default "pbi-emulator-identity-header". */
    header?: string;
    /** oid of the system-assigned identity (no client_id/mi_res_id/principal_id in the request). */
    systemAssignedPrincipalId?: string;
    /**
     * Maps a user-assigned identity's client_id or mi_res_id to its principal id (oid).
     * Unmapped client ids use the client id itself as the principal id.
     */
    userAssigned?: Record<string, string>;
    /** Lifetime of issued tokens in emulated seconds. Default 86,400 (managed identity tokens last about a day). */
    tokenLifetimeSeconds?: number;
}

export interface EmulatorOptions {
    /** 0 (default) picks a free port. */
    port?: number;
    /** Default 127.0.0.1. */
    host?: string;
    /** Emulated seconds per real second. Default 1; 60 = one emulated minute per real second. */
    timeScale?: number;
    /** Emulated start time. Default: the real time. */
    startTime?: Date | string;
    /** Start with a frozen clock that only moves when advanced (recommended for tests). */
    frozenClock?: boolean;
    /** Overrides of the documented limits. */
    limits?: LimitsOverride;
    /** Same JSON as a seed file: workspaces, models and push datasets to create at start. */
    seed?: Seed;
    /**
     * The key that signs this emulator's tokens (HS256), e.g. one a Kusto emulator in another process is given too.
     * Default: a random key (a state loaded from `dataDir` keeps its own).
     */
    tokenSigningKey?: string;
    /** Keeps state in `<dataDir>/state.json` across restarts (the seed applies only when no state exists). */
    dataDir?: string;
    logger?: EmulatorLogger;
    identity?: IdentityOptions;
}

export const silentLogger: EmulatorLogger = { info: () => {}, warn: () => {}, error: () => {} };
