/**
 * Power BI REST emulator: push datasets, enhanced refresh, workspace users (Groups API) and a managed identity endpoint.
 * See emulator/README.md.
 */
export { startEmulator, defaultIdentityHeader, defaultSystemAssignedPrincipalId } from './startEmulator';
export type { RunningEmulator, EmulatorClockControls } from './startEmulator';
export type { EmulatorOptions, EmulatorLogger, IdentityOptions } from './EmulatorOptions';
export { defaultLimits } from './limits/Limits';
export type { Limits, LimitsOverride } from './limits/Limits';
export type {
    Seed,
    WorkspaceInput,
    ModelInput,
    PushDatasetInput,
    ClockInput,
    TokenInput,
} from './control/controlSchemas';
export { seedSchema } from './control/controlSchemas';
export type { ClockState, IssuedToken } from './control/EmulatorControl';
export type { Fault, FaultInput, OperationName } from './faults/FaultInjector';
export { operationNames } from './faults/FaultInjector';
export type { RefreshScriptInput } from './refresh/RefreshScript';
export { evictionMessage } from './refresh/RefreshScript';
export type { RequestLogEntry } from './RequestLogEntry';
export { powerBiAudience } from './auth/accessToken';
export * as powerBiSchemas from './schemas/responseSchemas';
export * as powerBiRequestSchemas from './schemas/requestSchemas';
export * as powerBiGroupSchemas from './schemas/groupSchemas';
