import {
    bearerTokenAuthenticationPolicy,
    createEmptyPipeline,
    type Pipeline,
    type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { isLoopbackHost } from '../config/isLoopbackHost';

/**
 * Lets the SDK's bearer policy talk to a local emulator (Power BI, Kusto), which serves plain http on a loopback
 * address. That policy refuses any http URL (the SDK reverted an opt-out, Azure/azure-sdk-for-js#25206), so
 * the client addresses the emulator as https and this policy, after the bearer policy, turns the request
 * back into http just before it is sent. It refuses every host but a loopback one, so a token never leaves
 * the machine in clear text.
 */
export function loopbackEmulatorPolicy(): PipelinePolicy {
    return {
        name: 'loopbackEmulatorPolicy',
        sendRequest(request, next) {
            const url = new URL(request.url);
            if (!isLoopbackHost(url.hostname)) {
                throw new Error(`Refusing to send a token over http to ${url.hostname}: use https.`);
            }
            url.protocol = 'http:';
            request.url = url.href;
            request.allowInsecureConnection = true;
            return next(request);
        },
    };
}

/**
 * A service's base URL as the pipeline addresses it (no trailing slash): https as given, or http on a loopback host
 * (a local emulator), which is addressed as https for the bearer policy and sent as http by loopbackEmulatorPolicy.
 * `what` names the URL in the error for any other http URL.
 */
export function toPipelineBaseUrl(url: string, what: string): { baseUrl: string; viaLoopback: boolean } {
    const base = new URL(url.replace(/\/+$/, ''));
    const viaLoopback = base.protocol === 'http:';
    if (viaLoopback && !isLoopbackHost(base.hostname)) {
        throw new Error(`${what} ${url} must be https (http is for the local emulator only).`);
    }
    if (viaLoopback) base.protocol = 'https:';
    return { baseUrl: base.href.replace(/\/+$/, ''), viaLoopback };
}

/** The clients' pipeline: the SDK's bearer policy (gets, caches and renews the token), then the loopback policy if needed. */
export function createBearerPipeline(credential: TokenCredential, scope: string, viaLoopback: boolean): Pipeline {
    const pipeline = createEmptyPipeline();
    pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: scope }));
    if (viaLoopback) pipeline.addPolicy(loopbackEmulatorPolicy());
    return pipeline;
}
