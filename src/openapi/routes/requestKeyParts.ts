import { errorResponse, retryAfterHeader, type Parameter, type Response } from '../openApiParts';

/** The headers that make a request idempotent (src/ingest/commitOnce.ts): either, `webhook-id` winning. */
export const requestKeyParameters: Parameter[] = [
    {
        name: 'Idempotency-Key',
        in: 'header',
        description:
            'Any 1-255 visible ASCII characters: the same key with the same body within IDEMPOTENCY_RETENTION_HOURS ' +
            'is answered the first 202 again (Idempotent-Replayed: true) and enqueues nothing',
        schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
    },
    {
        name: 'webhook-id',
        in: 'header',
        description: "Standard Webhooks' message id, used as the idempotency key (it wins over Idempotency-Key)",
        schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
    },
];

/** The answers of a keyed request (and the 503 of every enqueue) besides the route's own. */
export const requestKeyResponses: Record<string, Response> = {
    '409': {
        ...errorResponse(
            'The first request with this key is still being enqueued (or, for a source, one of its events)',
        ),
        headers: retryAfterHeader,
    },
    '422': errorResponse('This idempotency key was already used with a different body (IdempotencyKeyReused)'),
    '503': {
        ...errorResponse(
            'Storage is unavailable or did not confirm the enqueue; retry (under the same key, or, for a source, with the identical body and the same event ids, a retry is enqueued once)',
        ),
        headers: retryAfterHeader,
    },
};

/** Standard Webhooks' signature headers, required on a route signed by webhook senders. */
export const standardWebhooksParameters: Parameter[] = [
    {
        name: 'webhook-timestamp',
        in: 'header',
        required: true,
        description: 'Seconds since the epoch; more than 5 minutes away from now is refused',
        schema: { type: 'string' },
    },
    {
        name: 'webhook-signature',
        in: 'header',
        required: true,
        description:
            'v1,<base64 HMAC-SHA256 of "id.timestamp.body"> with a secret of an allowed sender (several, space-separated)',
        schema: { type: 'string' },
    },
];

export const signatureRejected = errorResponse('The signature is missing or wrong; nothing changed (InvalidSignature)');
