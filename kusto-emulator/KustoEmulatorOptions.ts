import type { KustoSeed } from './control/kustoControlSchemas';

export interface KustoEmulatorLogger {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
    error(message: string, fields?: Record<string, unknown>): void;
}

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

export const silentKustoLogger: KustoEmulatorLogger = { info: () => {}, warn: () => {}, error: () => {} };
