import type { RelayConfig } from '../../config/relayConfig';
import { findSource } from './ingestSource';

export type HandshakeAnswer =
    { kind: 'allowed'; origin: string } | { kind: 'refused'; status: 400 | 403 | 404; code: string; message: string };

/**
 * The CloudEvents webhook abuse-protection handshake (cloudevents/spec http-webhook.md, 4.1): an OPTIONS
 * request names its origin in WebHook-Request-Origin and may deliver only if the answer's
 * WebHook-Allowed-Origin allows it. Event Grid sends it before delivering CloudEvents to a webhook.
 */
export function answerWebhookHandshake(
    config: RelayConfig,
    sourceName: string,
    requestOrigin: string | null,
): HandshakeAnswer {
    const source = findSource(config, sourceName);
    if (source === undefined) {
        return {
            kind: 'refused',
            status: 404,
            code: 'SourceNotFound',
            message: `Source "${sourceName}" is not configured`,
        };
    }
    if (!source.accept.includes('cloudevents')) {
        return {
            kind: 'refused',
            status: 403,
            code: 'CloudEventsNotAccepted',
            message: `Source "${source.name}" does not accept CloudEvents (accept: ${source.accept.join(', ')})`,
        };
    }
    const origin = requestOrigin?.trim();
    if (!origin) {
        return {
            kind: 'refused',
            status: 400,
            code: 'MissingRequestOrigin',
            message: 'The CloudEvents webhook handshake needs a WebHook-Request-Origin header',
        };
    }
    const allowed = source.allowedOrigins.some((o) => o === '*' || o.toLowerCase() === origin.toLowerCase());
    if (!allowed) {
        return {
            kind: 'refused',
            status: 403,
            code: 'OriginNotAllowed',
            message: `Origin "${origin}" is not in source "${source.name}"'s allowedOrigins (${source.allowedOrigins.join(', ')})`,
        };
    }
    return { kind: 'allowed', origin };
}
