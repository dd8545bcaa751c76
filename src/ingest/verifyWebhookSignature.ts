import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** A sender's current secrets (two or more while one is rotated in), as Standard Webhooks verifiers. */
export interface WebhookSender {
    name: string;
    verifiers: Webhook[];
}

export type WebhookSignatureCheck =
    { kind: 'verified'; sender: string } | { kind: 'rejected'; status: 401; code: 'InvalidSignature'; message: string };

const reject = (message: string): WebhookSignatureCheck => ({
    kind: 'rejected',
    status: 401,
    code: 'InvalidSignature',
    message,
});

/** The library's reasons (standardwebhooks `verifyTimestamp`) for a timestamp outside its 5-minute tolerance. */
const timestampReasons = new Set([
    'Message timestamp too old',
    'Message timestamp too new',
    'Invalid Signature Headers',
]);

/**
 * Checks the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) against every secret of
 * every sender allowed on the route, and names the sender whose secret signed the body. The answer says which
 * header is wrong but never which senders or how many secrets there are.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export function verifyWebhookSignature(
    senders: readonly WebhookSender[],
    headers: Record<string, string>,
    body: Uint8Array,
): WebhookSignatureCheck {
    const id = headers['webhook-id'];
    const timestamp = headers['webhook-timestamp'];
    const signature = headers['webhook-signature'];
    if (!id || !timestamp || !signature) {
        return reject('A signed request needs the webhook-id, webhook-timestamp and webhook-signature headers');
    }
    const payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const signed = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
    for (const sender of senders) {
        for (const verifier of sender.verifiers) {
            try {
                verifier.verify(payload, signed, { jsonParse: false });
                return { kind: 'verified', sender: sender.name };
            } catch (error) {
                if (!(error instanceof WebhookVerificationError)) throw error;
                if (timestampReasons.has(error.message)) {
                    return reject('webhook-timestamp must be Unix seconds within 5 minutes of now');
                }
            }
        }
    }
    return reject('webhook-signature does not match the body');
}
