import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SourceConfig } from '../../config/sourceSchema';

export type SignatureCheck =
    { kind: 'valid' } | { kind: 'rejected'; status: 401; code: 'InvalidSignature'; message: string };

/** Stripe's default tolerance for the signed timestamp (stripe-node `DEFAULT_TOLERANCE`). */
const stripeToleranceSeconds = 300;

const hmacHex = (secret: string, payload: Buffer) => createHmac('sha256', secret).update(payload).digest('hex');

function equalHex(expected: string, given: string): boolean {
    const a = Buffer.from(expected, 'utf8');
    const b = Buffer.from(given.toLowerCase(), 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a webhook signature over the raw body. Written here rather than taken from @octokit/webhooks-methods or the
 * stripe SDK: each scheme is one HMAC-SHA256 and a header format, and the SDKs would add a dependency per sender.
 */
export function verifySignature(
    scheme: Extract<SourceConfig['signature'], { secretSetting: string }>['scheme'],
    secret: string,
    headers: Record<string, string>,
    body: Uint8Array,
    now: Date = new Date(),
): SignatureCheck {
    const reject = (message: string): SignatureCheck => ({
        kind: 'rejected',
        status: 401,
        code: 'InvalidSignature',
        message,
    });
    const raw = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    if (scheme === 'github') {
        // https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries
        const header = headers['x-hub-signature-256'];
        if (header === undefined) return reject('The request has no X-Hub-Signature-256 header');
        const given = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim())?.[1];
        if (given === undefined || !equalHex(hmacHex(secret, raw), given)) {
            return reject('X-Hub-Signature-256 does not match the body and the secret');
        }
        return { kind: 'valid' };
    }
    // https://docs.stripe.com/webhooks#verify-manually: "t=<unix seconds>,v1=<hex>[,v1=…]" over "<t>.<body>".
    const header = headers['stripe-signature'];
    if (header === undefined) return reject('The request has no Stripe-Signature header');
    const parts = header.split(',').map((part) => part.trim().split('='));
    const timestamp = Number(parts.find(([key]) => key === 't')?.[1]);
    const signatures = parts.filter(([key, value]) => key === 'v1' && value !== undefined).map(([, value]) => value!);
    if (!Number.isInteger(timestamp) || signatures.length === 0) {
        return reject('Stripe-Signature must carry t=<timestamp> and v1=<signature>');
    }
    if (Math.abs(now.getTime() / 1000 - timestamp) > stripeToleranceSeconds) {
        return reject(`Stripe-Signature's timestamp is more than ${stripeToleranceSeconds} s away from now`);
    }
    const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), raw]));
    if (!signatures.some((given) => equalHex(expected, given))) {
        return reject('Stripe-Signature does not match the body and the secret');
    }
    return { kind: 'valid' };
}
