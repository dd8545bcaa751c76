import { randomUUID } from 'node:crypto';
import {
    type ClientRequest,
    createServer,
    request as httpRequest,
    type IncomingMessage,
    type Server,
    type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from './coreTypes';
import { isAuthorized, type FunctionKeys } from './functionKeys';
import { InvocationTracker } from './invocationTracker';
import { logExecuted } from './logExecuted';
import { type LocalWorker, type RegisteredFunction } from './localWorker';
import type { HostLogger } from './logger';
import { returnBindingName, type QueueOutputBinding, type QueueOutputSender } from './queueOutputs';
import { compareRoutePrecedence, RouteTemplate } from './routeTemplate';

export interface HttpRoute {
    fn: RegisteredFunction;
    triggerName: string;
    template: RouteTemplate;
    /** Upper-case methods, or undefined for all. */
    methods: ReadonlySet<string> | undefined;
    /** The trigger's authLevel: anonymous, function or admin. */
    authLevel: string;
    outputs: readonly QueueOutputBinding[];
}

export interface HttpServerOptions {
    routes: HttpRoute[];
    routePrefix: string;
    worker: LocalWorker;
    outputSender: QueueOutputSender;
    logger: HostLogger;
    port: number;
    host: string;
    /** The library's HTTP stream proxy (`HttpUri` capability) when the app called `app.setup({ enableHttpStream: true })`. */
    streamProxyUri?: string;
    /** Access keys to enforce by each trigger's authLevel; without them every function is anonymous, as with Core Tools. */
    keys?: FunctionKeys;
}

export interface RunningHttpServer {
    url: string;
    close(): Promise<void>;
}

export function toHttpRoute(
    fn: RegisteredFunction,
    triggerName: string,
    outputs: readonly QueueOutputBinding[],
): HttpRoute {
    const trigger = fn.metadata.bindings[triggerName]!;
    const route = typeof trigger.route === 'string' && trigger.route !== '' ? trigger.route : fn.name;
    const methods = Array.isArray(trigger.methods)
        ? new Set(trigger.methods.map((m) => String(m).toUpperCase()))
        : undefined;
    const authLevel = typeof trigger.authLevel === 'string' ? trigger.authLevel : 'anonymous';
    return { fn, triggerName, template: new RouteTemplate(route), methods, authLevel, outputs };
}

/**
 * Serves HTTP triggers on `http://host:port/<routePrefix>/<route>`. Function keys are checked only when `keys` are
 * given; otherwise, like Core Tools, the local host treats every authLevel as anonymous.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
    const routes = [...options.routes].sort((a, b) => compareRoutePrecedence(a.template, b.template));
    const inFlight = new InvocationTracker();
    const server = createServer((req, res) => {
        void inFlight.track(handle(options, routes, req, res));
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
            server.removeListener('error', reject);
            resolve();
        });
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${options.host}:${port}`,
        close: () => closeServer(server, inFlight),
    };
}

async function closeServer(server: Server, inFlight: InvocationTracker): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await inFlight.drain();
    server.closeAllConnections();
    await closed;
}

async function handle(
    options: HttpServerOptions,
    routes: HttpRoute[],
    req: IncomingMessage,
    res: ServerResponse,
): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', `http://${req.headers.host ?? `${options.host}`}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = stripPrefix(requestUrl.pathname, options.routePrefix);
    res.on('finish', () => {
        // An answer sent before the body was read (413, 401) ends the connection instead of reading the rest.
        if (!req.complete) req.socket.destroy();
    });
    if (requestUrl.pathname === '/' && (method === 'GET' || method === 'HEAD')) {
        sendText(res, 200, 'The Azure Functions local host is running.');
        return;
    }
    let route: HttpRoute | undefined;
    let params: Record<string, string> | undefined;
    if (path !== undefined) {
        for (const candidate of routes) {
            if (candidate.methods && !candidate.methods.has(method)) {
                continue;
            }
            params = candidate.template.match(path);
            if (params) {
                route = candidate;
                break;
            }
        }
    }
    if (!route || !params) {
        await drain(req);
        sendText(res, 404, 'Not Found');
        return;
    }

    const given = req.headers['x-functions-key'] ?? requestUrl.searchParams.get('code') ?? undefined;
    if (options.keys && !isAuthorized(options.keys, route.fn.name, route.authLevel, String(given ?? ''))) {
        // The Functions host answers a missing or wrong key with an empty 401, before the function sees the request.
        res.writeHead(401, { connection: 'close' }).end();
        return;
    }

    const invocationId = randomUUID();
    const headers = toHeaderRecord(req);
    const query: Record<string, string> = {};
    for (const key of new Set(requestUrl.searchParams.keys())) {
        query[key] = requestUrl.searchParams.getAll(key).join(',');
    }
    // What the host puts in the HTTP trigger's binding data; the library reads it for streamed requests.
    const triggerMetadata: Record<string, RpcTypedData> = {
        Headers: { json: JSON.stringify(headers) },
        Query: { json: JSON.stringify(query) },
    };
    for (const [name, value] of Object.entries(params)) {
        triggerMetadata[name] = { string: value };
    }

    const startedAt = performance.now();
    try {
        if (options.streamProxyUri) {
            await invokeStreamed(options, route, req, res, requestUrl, triggerMetadata, invocationId);
            logExecuted(options.logger, route.fn.name, invocationId, startedAt);
            return;
        }
        const body = await readBody(req);
        const http: RpcHttpData = {
            method,
            url: requestUrl.toString(),
            headers,
            query,
            params,
            body: body.length > 0 ? { bytes: body } : undefined,
        };
        const response = await options.worker.invoke(
            route.fn,
            { inputData: [{ name: route.triggerName, data: { http } }], triggerMetadata },
            invocationId,
        );
        await options.outputSender.send(route.outputs, response);
        writeResponse(res, findHttpOutput(route.fn, response));
        logExecuted(options.logger, route.fn.name, invocationId, startedAt);
    } catch (error) {
        logExecuted(options.logger, route.fn.name, invocationId, startedAt, error);
        if (!res.headersSent) {
            sendText(res, 500, 'Internal Server Error');
        } else {
            res.destroy();
        }
    }
}

/**
 * With HTTP streaming the library serves its own proxy: the host forwards the raw request there,
 * tagged with the invocation id, and the handler's response comes back on that connection
 * (@azure/functions `src/http/httpProxy.ts`).
 */
async function invokeStreamed(
    options: HttpServerOptions,
    route: HttpRoute,
    req: IncomingMessage,
    res: ServerResponse,
    requestUrl: URL,
    triggerMetadata: Record<string, RpcTypedData>,
    invocationId: string,
): Promise<void> {
    const proxyUrl = new URL(requestUrl.pathname + requestUrl.search, options.streamProxyUri);
    let forward: ClientRequest | undefined;
    const proxied = new Promise<void>((resolve, reject) => {
        forward = httpRequest(
            proxyUrl,
            {
                method: req.method,
                // One connection per request: a handler that answers without reading the whole body leaves the rest
                // unread on the proxy's side, which would stall the next request sent over the same connection.
                agent: false,
                headers: {
                    ...req.headers,
                    'x-ms-invocation-id': invocationId,
                    'x-forwarded-host': requestUrl.host,
                    'x-forwarded-proto': 'http',
                },
            },
            (proxyRes) => {
                // A handler may answer before it has read the whole body (a 413 while it streams): the rest is not
                // read, and neither connection is used again, so an unread body cannot stall the next request.
                const early = !req.complete;
                res.writeHead(
                    proxyRes.statusCode ?? 500,
                    early ? { ...proxyRes.headers, connection: 'close' } : proxyRes.headers,
                );
                proxyRes.pipe(res);
                proxyRes.on('end', () => {
                    if (!req.complete) {
                        req.unpipe(forward);
                        forward?.destroy();
                    }
                    resolve();
                });
                proxyRes.on('error', reject);
            },
        );
        forward.on('error', (error) => {
            // Destroyed above after an early answer: the answer is already on its way.
            if (!res.headersSent) reject(error);
        });
        req.pipe(forward);
    });
    const invoked = options.worker.invoke(
        route.fn,
        { inputData: [{ name: route.triggerName, data: { string: '' } }], triggerMetadata },
        invocationId,
    );
    proxied.catch(() => undefined);
    let response: RpcInvocationResponse;
    try {
        response = await invoked;
    } catch (error) {
        // A failed handler never answers on the proxy connection; drop it so the caller gets our 500.
        forward?.destroy();
        throw error;
    }
    await proxied;
    await options.outputSender.send(route.outputs, response);
}

function stripPrefix(pathname: string, routePrefix: string): string | undefined {
    if (routePrefix === '') {
        return pathname;
    }
    const prefix = `/${routePrefix}`;
    if (pathname.toLowerCase() === prefix.toLowerCase()) {
        return '';
    }
    if (pathname.toLowerCase().startsWith(prefix.toLowerCase() + '/')) {
        return pathname.slice(prefix.length + 1);
    }
    return undefined;
}

function toHeaderRecord(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) {
            headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
    }
    return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
    await readBody(req);
}

function findHttpOutput(fn: RegisteredFunction, response: RpcInvocationResponse): RpcHttpData | undefined {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
        if (binding.direction === 'out' && binding.type?.toLowerCase() === 'http') {
            const data =
                name === returnBindingName
                    ? response.returnValue
                    : response.outputData?.find((o) => o.name === name)?.data;
            if (data?.http) {
                return data.http;
            }
        }
    }
    return undefined;
}

function writeResponse(res: ServerResponse, http: RpcHttpData | undefined): void {
    if (!http) {
        // The handler returned nothing.
        res.writeHead(204).end();
        return;
    }
    for (const [name, value] of Object.entries(http.headers ?? {})) {
        res.setHeader(name, value);
    }
    const cookies = (http.cookies ?? []).map(serializeCookie);
    if (cookies.length > 0) {
        res.setHeader('set-cookie', cookies);
    }
    res.statusCode = Number(http.statusCode ?? 200);
    const body =
        http.body?.bytes ??
        (http.body?.string !== undefined && http.body?.string !== null ? Buffer.from(http.body.string) : undefined);
    res.end(body && body.length > 0 ? Buffer.from(body) : undefined);
}

function serializeCookie(cookie: RpcHttpCookie): string {
    const parts = [`${cookie.name ?? ''}=${encodeURIComponent(cookie.value ?? '')}`];
    if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
    if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
    const expires = cookie.expires?.value;
    if (expires?.seconds !== undefined && expires.seconds !== null) {
        parts.push(`Expires=${new Date(Number(expires.seconds) * 1000).toUTCString()}`);
    }
    if (cookie.maxAge?.value !== undefined && cookie.maxAge.value !== null)
        parts.push(`Max-Age=${cookie.maxAge.value}`);
    if (cookie.secure?.value) parts.push('Secure');
    if (cookie.httpOnly?.value) parts.push('HttpOnly');
    if (cookie.sameSite && cookie.sameSite !== 'none') {
        parts.push(
            `SameSite=${cookie.sameSite === 'explicitNone' ? 'None' : cookie.sameSite[0]!.toUpperCase() + cookie.sameSite.slice(1)}`,
        );
    }
    return parts.join('; ');
}

function sendText(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}
