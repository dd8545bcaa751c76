import type { EmulatorClock } from './clock/EmulatorClock';
import type { EmulatorLogger } from './EmulatorOptions';
import type { FaultInjector } from './faults/FaultInjector';
import type { Limits } from './limits/Limits';
import type { PushThrottle } from './push/PushThrottle';
import type { QueryThrottle } from './query/QueryThrottle';
import type { RequestLogEntry } from './RequestLogEntry';
import type { EmulatorStore } from './state/EmulatorStore';

export interface ResolvedIdentity {
    header: string;
    systemAssignedPrincipalId: string;
    userAssigned: Record<string, string>;
    tokenLifetimeSeconds: number;
}

/** Everything a handler may touch. */
export interface EmulatorRuntime {
    /** Base URL without trailing slash, known once the server listens. */
    url: string;
    store: EmulatorStore;
    clock: EmulatorClock;
    limits: Limits;
    throttle: PushThrottle;
    queryThrottle: QueryThrottle;
    faults: FaultInjector;
    requestLog: RequestLogEntry[];
    identity: ResolvedIdentity;
    logger: EmulatorLogger;
}
