import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/ingest/sources/verifySignature';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('webhook signatures', () => {
    // GitHub's own test values (docs: "Validating webhook deliveries", "Testing the webhook payload validation").
    const githubSecret = "It's a Secret to Everybody";
    const githubSignature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    it("accepts GitHub's documented X-Hub-Signature-256 example and refuses a changed body, a wrong or missing header", () => {
        const check = (headers: Record<string, string>, body = 'Hello, World!') =>
            verifySignature('github', githubSecret, headers, bytes(body)).kind;
        expect(check({ 'x-hub-signature-256': githubSignature })).toBe('valid');
        expect(check({ 'x-hub-signature-256': githubSignature.toUpperCase().replace('SHA256', 'sha256') })).toBe(
            'valid',
        );
        expect(check({ 'x-hub-signature-256': githubSignature }, 'Hello, World?')).toBe('rejected');
        expect(check({ 'x-hub-signature-256': githubSignature.slice(0, -1) })).toBe('rejected');
        expect(check({ 'x-hub-signature': 'sha1=abc' })).toBe('rejected');
        expect(verifySignature('github', githubSecret, {}, bytes('x'))).toEqual({
            kind: 'rejected',
            status: 401,
            code: 'InvalidSignature',
            message: 'The request has no X-Hub-Signature-256 header',
        });
    });

    it('accepts a Stripe-Signature over "t.body" within 5 minutes, with any of several v1 signatures', () => {
        const secret = 'whsec_test_secret';
        const body = '{"id":"evt_1","type":"charge.succeeded"}';
        const t = 1_680_064_028;
        const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
        const at = (seconds: number) => new Date((t + seconds) * 1000);
        const check = (header: string, now = at(10), payload = body) =>
            verifySignature('stripe', secret, { 'stripe-signature': header }, bytes(payload), now).kind;
        expect(check(`t=${t},v1=${v1}`)).toBe('valid');
        expect(check(`t=${t},v1=${'0'.repeat(64)},v1=${v1},v0=legacy`)).toBe('valid');
        expect(check(`t=${t},v1=${v1}`, at(301))).toBe('rejected');
        expect(check(`t=${t},v1=${v1}`, at(10), body.replace('evt_1', 'evt_2'))).toBe('rejected');
        expect(check(`t=${t + 1},v1=${v1}`)).toBe('rejected');
        expect(check(`v1=${v1}`)).toBe('rejected');
        expect(check(`t=${t}`)).toBe('rejected');
    });
});
