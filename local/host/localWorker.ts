import { randomUUID } from 'node:crypto';
import type {
    CoreInvocationContext,
    FunctionCallback,
    FunctionMetadata,
    HookCallback,
    HookData,
    ProgrammingModel,
    RpcBindingInfo,
    RpcFunctionMetadata,
    RpcInvocationRequest,
    RpcInvocationResponse,
    RpcLogCategory,
    RpcLogLevel,
} from './coreTypes';
import type { HostLogger } from './logger';

/** Versions reported through `@azure/functions-core`; the host version is above 4.28 (HTTP streaming) and 4.34 (log hooks). */
export const workerVersion = '3.10.1';
export const hostVersion = '4.1040.0';

export interface RegisteredFunction {
    name: string;
    functionId: string;
    /** The metadata exactly as `registerFunction` received it, with all binding options. */
    metadata: FunctionMetadata;
    /** What the worker hands the programming model: bindings reduced to their RPC fields. */
    rpcMetadata: RpcFunctionMetadata;
    callback: FunctionCallback;
}

export class Disposable {
    static from(...disposables: { dispose(): unknown }[]): Disposable {
        return new Disposable(() => disposables.forEach((d) => d.dispose()));
    }

    #callOnDispose: (() => unknown) | undefined;

    constructor(callOnDispose: () => unknown) {
        this.#callOnDispose = callOnDispose;
    }

    dispose(): unknown {
        const callOnDispose = this.#callOnDispose;
        this.#callOnDispose = undefined;
        return callOnDispose?.();
    }
}

export class InvocationError extends Error {
    constructor(
        readonly functionName: string,
        readonly invocationId: string,
        cause: unknown,
    ) {
        super(`Function "${functionName}" (invocation ${invocationId}) failed: ${describeError(cause)}`, { cause });
        this.name = 'InvocationError';
    }
}

export function describeError(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/**
 * What the Node worker does for one app: it owns the `@azure/functions-core` object the app's copy of
 * @azure/functions talks to, keeps registered functions and hooks, and runs invocations through the
 * library's programming model in the order of the worker's InvocationHandler
 * (azure-functions-nodejs-worker `src/eventHandlers/InvocationHandler.ts`).
 */
export class LocalWorker {
    readonly functions = new Map<string, RegisteredFunction>();
    readonly appHookData: HookData = {};
    readonly #hooks = new Map<string, HookCallback[]>();
    readonly #logger: HostLogger;
    #programmingModel: ProgrammingModel | undefined;
    #hasFinishedStartup = false;

    /** The object returned for `require('@azure/functions-core')`. */
    readonly coreApi: object;

    constructor(logger: HostLogger) {
        this.#logger = logger;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const worker = this;
        this.coreApi = {
            version: workerVersion,
            hostVersion,
            registerHook: (hookName: string, callback: HookCallback) => this.registerHook(hookName, callback),
            setProgrammingModel: (model: ProgrammingModel) => {
                this.#log(
                    'debug',
                    'system',
                    `Setting Node.js programming model to "${model.name}" version "${model.version}"`,
                );
                this.#programmingModel = model;
            },
            getProgrammingModel: () => worker.#programmingModel,
            registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) =>
                this.registerFunction(metadata, callback),
            log: (level: RpcLogLevel, category: RpcLogCategory, message: string) => this.#log(level, category, message),
            Disposable,
        };
    }

    get programmingModel(): ProgrammingModel | undefined {
        return this.#programmingModel;
    }

    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
        if (this.#hasFinishedStartup) {
            throw new Error('A function can only be registered during app startup.');
        }
        const functionId = metadata.functionId || metadata.name;
        if (this.functions.has(functionId)) {
            throw new Error(`A function with id "${functionId}" has already been registered.`);
        }
        this.functions.set(functionId, {
            name: metadata.name,
            functionId,
            metadata,
            rpcMetadata: toRpcFunctionMetadata(metadata, functionId),
            callback,
        });
        return new Disposable(() => {
            if (this.#hasFinishedStartup) {
                throw new Error('A function can only be disposed during app startup.');
            }
            this.functions.delete(functionId);
        });
    }

    registerHook(hookName: string, callback: HookCallback): Disposable {
        const callbacks = this.#hooks.get(hookName) ?? [];
        callbacks.push(callback);
        this.#hooks.set(hookName, callbacks);
        return new Disposable(() => {
            const index = callbacks.indexOf(callback);
            if (index >= 0) {
                callbacks.splice(index, 1);
            }
        });
    }

    /** Ends the registration phase and runs appStart hooks, as the worker does after loading the entry points. */
    async finishStartup(functionAppDirectory: string): Promise<void> {
        this.#hasFinishedStartup = true;
        await this.#runHooks('appStart', { hookData: {}, appHookData: this.appHookData, functionAppDirectory });
    }

    async terminate(): Promise<void> {
        await this.#runHooks('appTerminate', { hookData: {}, appHookData: this.appHookData });
    }

    /**
     * Runs one invocation and returns the worker's response. A handler error (after postInvocation
     * hooks had their chance to clear it) is thrown as an InvocationError.
     */
    async invoke(
        fn: RegisteredFunction,
        request: Pick<RpcInvocationRequest, 'inputData' | 'triggerMetadata'>,
        invocationId: string = randomUUID(),
    ): Promise<RpcInvocationResponse> {
        const programmingModel = this.#programmingModel;
        if (!programmingModel) {
            throw new Error('No programming model was set; did the app load @azure/functions?');
        }
        // Log hooks get the invocation context once getArguments has created it.
        const current: { context?: unknown } = {};
        const coreCtx: CoreInvocationContext = {
            invocationId,
            request: { ...request, invocationId, functionId: fn.functionId },
            metadata: fn.rpcMetadata,
            log: (level, category, message) =>
                this.#log(level, category, message, fn.name, invocationId, current.context),
        };
        const model = await programmingModel.getInvocationModel(coreCtx);
        const args = await model.getArguments();
        const context = args.context;
        current.context = context;
        const hookData: HookData = {};

        const preContext = {
            hookData,
            appHookData: this.appHookData,
            invocationContext: context,
            functionCallback: fn.callback,
            inputs: args.inputs,
        };
        coreCtx.state = 'preInvocationHooks';
        try {
            await this.#runHooks('preInvocation', preContext);
        } finally {
            coreCtx.state = undefined;
        }

        const postContext = {
            hookData,
            appHookData: this.appHookData,
            invocationContext: context,
            inputs: preContext.inputs,
            result: null as unknown,
            error: null as unknown,
        };
        coreCtx.state = 'invocation';
        try {
            postContext.result = await model.invokeFunction(context, preContext.inputs, preContext.functionCallback);
        } catch (error) {
            postContext.error = error ?? new Error('The function threw a null or undefined value.');
        } finally {
            coreCtx.state = undefined;
        }

        coreCtx.state = 'postInvocationHooks';
        try {
            await this.#runHooks('postInvocation', postContext);
        } finally {
            coreCtx.state = undefined;
        }

        if (postContext.error !== null && postContext.error !== undefined) {
            throw new InvocationError(fn.name, invocationId, postContext.error);
        }
        return model.getResponse(context, postContext.result);
    }

    async #runHooks(hookName: string, context: object): Promise<void> {
        for (const callback of [...(this.#hooks.get(hookName) ?? [])]) {
            await callback(context);
        }
    }

    #log(
        level: RpcLogLevel,
        category: RpcLogCategory,
        message: string,
        functionName?: string,
        invocationId?: string,
        invocationContext?: unknown,
    ): void {
        // Log hooks see every log; like the worker, only user logs take their changes.
        const logContext = { hookData: {}, appHookData: this.appHookData, level, message, category, invocationContext };
        for (const callback of [...(this.#hooks.get('log') ?? [])]) {
            try {
                callback(logContext);
            } catch (error) {
                this.#logger({
                    level: 'error',
                    category: 'host',
                    message: `A log hook failed: ${describeError(error)}`,
                });
            }
        }
        if (category === 'user') {
            level = logContext.level;
            message = logContext.message;
        }
        this.#logger({
            level,
            category: category === 'customMetric' ? 'system' : category,
            message,
            functionName,
            invocationId,
        });
    }
}

function toRpcFunctionMetadata(metadata: FunctionMetadata, functionId: string): RpcFunctionMetadata {
    const bindings: Record<string, RpcBindingInfo> = {};
    for (const [name, binding] of Object.entries(metadata.bindings)) {
        // The worker sends bindings to the library through protobuf, which keeps only these fields;
        // `context.options` therefore carries no queueName, schedule, route, ... in Azure either.
        bindings[name] = {
            type: binding.type,
            direction: binding.direction,
            dataType: binding.dataType,
            properties: binding.properties,
        };
    }
    return {
        name: metadata.name,
        functionId,
        bindings,
        rawBindings: Object.entries(metadata.bindings).map(([name, binding]) => JSON.stringify({ ...binding, name })),
        scriptFile: 'n/a',
    };
}
