import type { RelayConfig } from '../config/relayConfig';
import type { PathItem } from './openApiParts';

/** One HTTP function of the app and what the OpenAPI document says about it. */
export interface HttpRoute {
    /** The name given to app.http in src/functions. */
    functionName: string;
    /** Its methods and route template, exactly as registered (a test compares them). */
    methods: readonly ('GET' | 'POST' | 'OPTIONS')[];
    route: string;
    /** The path items it documents, keyed by path below /api: one per configured table or source where the route has them. */
    paths(config: RelayConfig): Record<string, PathItem>;
}
