import type { EmulatorLogger } from '../emulator/EmulatorOptions';
import type { KustoSeed } from './control/kustoControlSchemas';

/** The Power BI emulator's logger shape: both emulators log the same way. */
export type KustoEmulatorLogger = EmulatorLogger;

export interface KustoEmulatorOptions {
    /**
     * The key that signs the bearer tokens this emulator accepts: the Power BI emulator's (`emulator.tokenSigningKey`),
     * so tokens from its managed identity endpoint (`/msi/token`) work here. Default: a random key (then only tokens
     * from this emulator's own `POST /_emulator/tokens` are accepted).
     */
    tokenSigningKey?: string;
    /** 0 (default) picks a free port. */
    port?: number;
    /** Default 127.0.0.1. */
    host?: string;
    /**
     * "Now" for token expiry and ingestion_time(). Pass the Power BI emulator's clock (`() => emulator.clock.now()`)
     * when its tokens are used, so both agree on expiry. Default: the real time.
     */
    now?: () => Date;
    /** Databases, workspaces and eventhouses to create at start. */
    seed?: KustoSeed;
    logger?: KustoEmulatorLogger;
}
