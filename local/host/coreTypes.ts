/**
 * The subset of the `@azure/functions-core` contract this host implements. The module is supplied by
 * the Node worker at run time and its types are not published on npm; these mirror
 * azure-functions-nodejs-library `types-core/index.d.ts`.
 */

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export interface RpcBindingInfo {
    type?: string | null;
    direction?: 'in' | 'out' | 'inout' | null;
    dataType?: string | null;
    properties?: Record<string, string> | null;
    /** Everything else the library puts on a binding (queueName, connection, schedule, route, ...). */
    [option: string]: unknown;
}

export interface FunctionMetadata {
    name: string;
    functionId?: string;
    bindings: Record<string, RpcBindingInfo>;
    retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface RpcHttpData {
    method?: string | null;
    url?: string | null;
    headers?: Record<string, string> | null;
    body?: RpcTypedData | null;
    params?: Record<string, string> | null;
    statusCode?: string | null;
    query?: Record<string, string> | null;
    enableContentNegotiation?: boolean | null;
    cookies?: RpcHttpCookie[] | null;
}

export interface RpcHttpCookie {
    name?: string | null;
    value?: string | null;
    domain?: { value?: string | null } | null;
    path?: { value?: string | null } | null;
    expires?: { value?: { seconds?: number | null; nanos?: number | null } | null } | null;
    secure?: { value?: boolean | null } | null;
    httpOnly?: { value?: boolean | null } | null;
    sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
    maxAge?: { value?: number | null } | null;
}

export interface RpcTypedData {
    string?: string | null;
    json?: string | null;
    bytes?: Uint8Array | null;
    stream?: Uint8Array | null;
    http?: RpcHttpData | null;
    int?: number | null;
    double?: number | null;
    collectionBytes?: { bytes?: Uint8Array[] | null } | null;
    collectionString?: { string?: string[] | null } | null;
    collectionDouble?: { double?: number[] | null } | null;
    collectionSint64?: { sint64?: number[] | null } | null;
}

export interface RpcParameterBinding {
    name?: string | null;
    data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
    invocationId?: string | null;
    functionId?: string | null;
    inputData?: RpcParameterBinding[] | null;
    triggerMetadata?: Record<string, RpcTypedData> | null;
}

export interface RpcInvocationResponse {
    invocationId?: string | null;
    outputData?: RpcParameterBinding[] | null;
    returnValue?: RpcTypedData | null;
}

export interface RpcFunctionMetadata {
    name?: string | null;
    functionId?: string | null;
    bindings?: Record<string, RpcBindingInfo> | null;
    rawBindings?: string[] | null;
    scriptFile?: string | null;
}

export type InvocationState = 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';

export interface CoreInvocationContext {
    invocationId: string;
    request: RpcInvocationRequest;
    metadata: RpcFunctionMetadata;
    state?: InvocationState;
    log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
}

export interface InvocationArguments {
    context: unknown;
    inputs: unknown[];
}

export interface InvocationModel {
    getArguments(): Promise<InvocationArguments>;
    invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
    name: string;
    version: string;
    getInvocationModel(coreContext: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
    getCapabilities?(capabilities: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export type HookData = Record<string, unknown>;
export type HookCallback = (context: object) => unknown;
