/**
 * Kusto (Fabric Eventhouse) emulator: streaming ingestion, the management commands and KQL subset the relay and
 * the setup script use, per-database roles, faults, and the Fabric REST subset. See kusto-emulator/README.md.
 */
export { startKustoEmulator } from './startKustoEmulator';
export type { RunningKustoEmulator } from './startKustoEmulator';
export type { KustoEmulatorOptions, KustoEmulatorLogger } from './KustoEmulatorOptions';
export type {
    DatabaseInput,
    WorkspaceInput,
    EventhouseInput,
    KustoSeed,
    KustoTokenInput,
} from './control/kustoControlSchemas';
export { kustoSeedSchema } from './control/kustoControlSchemas';
export type { DatabaseSnapshot, TableSnapshot, IssuedKustoToken } from './control/KustoControl';
export type { KustoFault, KustoFaultInput, KustoOperationName } from './faults/KustoFaultInjector';
export { kustoOperationNames } from './faults/KustoFaultInjector';
export type { KustoRequestLogEntry } from './KustoRequestLogEntry';
export { kustoAudience, kustoApiAudience, fabricAudience } from './auth/authenticateKusto';
export { maxStreamingBytes } from './http/readKustoBody';
export type { KustoType } from './state/kustoTypes';
export { kustoTypes } from './state/kustoTypes';
