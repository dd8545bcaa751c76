import type { KustoOperationName } from '../faults/KustoFaultInjector';
import type { KustoHandlerResult } from './KustoRequestContext';

/**
 * A routed call whose body has been read: the database and table it concerns (for fault scoping and the log) and
 * the work that answers it. Faults are taken between the two, so an `applied` fault can run `execute` and then lose
 * its answer.
 */
export interface PreparedCall {
    operation: KustoOperationName;
    database?: string;
    table?: string;
    execute(): KustoHandlerResult | Promise<KustoHandlerResult>;
}
