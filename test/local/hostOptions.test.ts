import { describe, expect, it } from 'vitest';
import { parseHostJson, parseTimeSpan } from '../../local/host/hostOptions';
import { decodeQueueMessage, encodeQueueMessage } from '../../local/host/queueMessageEncoding';
import { toQueueMessages } from '../../local/host/queueOutputs';
import { resolveAppSettingPlaceholders } from '../../local/host/appSettings';

describe('parseHostJson', () => {
    it('applies the Storage extension defaults', () => {
        expect(parseHostJson({ version: '2.0' }, 4)).toEqual({
            queues: {
                batchSize: 16,
                newBatchThreshold: 32,
                maxPollingIntervalMs: 60_000,
                visibilityTimeoutMs: 0,
                maxDequeueCount: 5,
                messageEncoding: 'base64',
            },
            routePrefix: 'api',
        });
    });

    it('reads extensions.queues and extensions.http', () => {
        const options = parseHostJson(
            {
                extensions: {
                    queues: {
                        batchSize: 8,
                        newBatchThreshold: 2,
                        maxPollingInterval: '00:00:02',
                        visibilityTimeout: '00:00:30',
                        maxDequeueCount: 3,
                        messageEncoding: 'None',
                    },
                    http: { routePrefix: '/v1/' },
                },
            },
            2,
        );
        expect(options).toEqual({
            queues: {
                batchSize: 8,
                newBatchThreshold: 2,
                maxPollingIntervalMs: 2_000,
                visibilityTimeoutMs: 30_000,
                maxDequeueCount: 3,
                messageEncoding: 'none',
            },
            routePrefix: 'v1',
        });
    });

    it('keeps maxPollingInterval at the 100 ms minimum', () => {
        expect(
            parseHostJson({ extensions: { queues: { maxPollingInterval: '00:00:00.01' } } }, 1).queues
                .maxPollingIntervalMs,
        ).toBe(100);
    });

    it('rejects values the host would reject', () => {
        expect(() => parseHostJson({ extensions: { queues: { batchSize: 64 } } }, 1)).toThrow(
            /extensions\.queues\.batchSize/,
        );
        expect(() => parseHostJson({ extensions: { queues: { messageEncoding: 'utf8' } } }, 1)).toThrow(
            /messageEncoding/,
        );
        expect(() => parseHostJson({ extensions: { queues: { visibilityTimeout: '30s' } } }, 1)).toThrow(/TimeSpan/);
    });
});

describe('parseTimeSpan', () => {
    it.each([
        ['00:00:30', 30_000],
        ['00:01:00', 60_000],
        ['01:00:00', 3_600_000],
        ['1.00:00:00', 86_400_000],
        ['00:00:00.250', 250],
        [1500, 1500],
    ])('reads %j', (value, ms) => {
        expect(parseTimeSpan(value, 'x')).toBe(ms);
    });
});

describe('queue message encoding', () => {
    it('round-trips UTF-8 through Base64', () => {
        const encoded = encodeQueueMessage('{"name":"Zoë"}', 'base64');
        expect(encoded).toBe(Buffer.from('{"name":"Zoë"}').toString('base64'));
        expect(decodeQueueMessage(encoded, 'base64')).toBe('{"name":"Zoë"}');
    });

    it('refuses text that is not Base64 when Base64 is expected', () => {
        expect(decodeQueueMessage('{"a":1}', 'base64')).toBeUndefined();
        expect(decodeQueueMessage('abc', 'base64')).toBeUndefined();
        expect(decodeQueueMessage('{"a":1}', 'none')).toBe('{"a":1}');
    });
});

describe('toQueueMessages', () => {
    it('sends one message per array element, JSON for objects', () => {
        expect(toQueueMessages({ json: JSON.stringify([{ a: 1 }, 'text', 2, null]) })).toEqual([
            '{"a":1}',
            'text',
            '2',
        ]);
    });

    it('sends strings, numbers and bytes as they are', () => {
        expect(toQueueMessages({ string: 'hello' })).toEqual(['hello']);
        expect(toQueueMessages({ int: 3 })).toEqual(['3']);
        expect(toQueueMessages({ bytes: new Uint8Array([1, 2]) })).toEqual([new Uint8Array([1, 2])]);
        expect(toQueueMessages(undefined)).toEqual([]);
    });
});

describe('resolveAppSettingPlaceholders', () => {
    it('replaces each %NAME% with its setting', () => {
        expect(resolveAppSettingPlaceholders('%A%-%B%', { A: 'x', B: 'y' }, 'test')).toBe('x-y');
        expect(resolveAppSettingPlaceholders('plain', {}, 'test')).toBe('plain');
    });

    it('names the missing setting', () => {
        expect(() => resolveAppSettingPlaceholders('%NOPE%', {}, 'Function "f" queueName')).toThrow(
            'Function "f" queueName refers to app setting "NOPE", which is not set.',
        );
    });
});
