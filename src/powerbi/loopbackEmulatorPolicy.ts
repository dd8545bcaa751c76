import type { PipelinePolicy } from '@azure/core-rest-pipeline';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const isLoopbackHost = (hostname: string): boolean => loopbackHosts.has(hostname.toLowerCase());

/**
 * Lets the SDK's bearer policy talk to the local Power BI emulator, which serves plain http on a loopback
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
                throw new Error(`Refusing to send a Power BI token over http to ${url.hostname}: use https.`);
            }
            url.protocol = 'http:';
            request.url = url.href;
            request.allowInsecureConnection = true;
            return next(request);
        },
    };
}
