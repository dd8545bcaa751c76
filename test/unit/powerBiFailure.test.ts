import { describe, expect, it } from 'vitest';
import { RestError } from '@azure/core-rest-pipeline';
import { classifyPowerBiResponse, classifyRequestError, parseRetryAfter } from '../../src/powerbi/powerBiFailure';

const headers = (values: Record<string, string>) => new Headers(values);

describe('classifyPowerBiResponse', () => {
    it('reads 429 Retry-After seconds as throttled', () => {
        const body = JSON.stringify({ error: { code: 'TooManyRequests', message: 'slow down' } });
        expect(classifyPowerBiResponse(429, headers({ 'Retry-After': '37', RequestId: 'r1' }), body)).toEqual({
            kind: 'throttled',
            status: 429,
            retryAfterSeconds: 37,
            code: 'TooManyRequests',
            message: 'slow down',
            requestId: 'r1',
        });
    });

    it('waits a minute on a 429 without Retry-After', () => {
        expect(classifyPowerBiResponse(429, headers({}), '')).toMatchObject({
            kind: 'throttled',
            retryAfterSeconds: 60,
            message: 'HTTP 429',
        });
    });

    it.each([408, 500, 502, 503, 504])('treats %i as transient', (status) => {
        expect(classifyPowerBiResponse(status, headers({}), 'oops').kind).toBe('transient');
    });

    it('treats 401 and 403 (TokenExpired) as unauthorized', () => {
        const body = JSON.stringify({
            error: { code: 'TokenExpired', message: 'Access token has expired, resubmit with a new access token' },
        });
        expect(classifyPowerBiResponse(403, headers({}), body)).toMatchObject({
            kind: 'unauthorized',
            code: 'TokenExpired',
        });
        expect(classifyPowerBiResponse(401, headers({}), '').kind).toBe('unauthorized');
    });

    it('keeps the code, message and details of a permanent 4xx', () => {
        const body = JSON.stringify({
            error: { code: 'BadRequest', message: 'Bad Request', details: [{ message: 'column X', target: 'rows' }] },
        });
        expect(classifyPowerBiResponse(400, headers({ RequestId: 'r2' }), body)).toEqual({
            kind: 'permanent',
            status: 400,
            code: 'BadRequest',
            message: 'Bad Request: column X',
            requestId: 'r2',
        });
    });
});

describe('parseRetryAfter', () => {
    it('accepts seconds and HTTP dates', () => {
        expect(parseRetryAfter('0')).toBe(0);
        expect(parseRetryAfter('2.5')).toBe(3);
        expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', new Date('2015-10-21T07:28:00Z'))).toBe(30);
        expect(parseRetryAfter('soon')).toBeUndefined();
        expect(parseRetryAfter(null)).toBeUndefined();
    });
});

describe('classifyRequestError', () => {
    it('treats timeouts and refused connections as transient, and a credential failure as no access token', () => {
        expect(
            classifyRequestError(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })),
        ).toEqual({
            kind: 'transient',
            message: 'Power BI did not answer in time',
        });
        expect(classifyRequestError(new RestError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }))).toEqual({
            kind: 'transient',
            message: 'Power BI could not be reached: ECONNREFUSED',
        });
        expect(classifyRequestError(new Error('ManagedIdentityCredential: no endpoint'))).toEqual({
            kind: 'unauthorized',
            status: 401,
            code: 'NoAccessToken',
            message: 'No access token: ManagedIdentityCredential: no endpoint',
        });
    });
});
