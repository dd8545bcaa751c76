import { describe, expect, it } from 'vitest';
import { deadlineSeconds, refreshTargetSchema, toRefreshRequest } from '../../src/config/refreshTargetSchema';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { isRefreshAlreadyRunning } from '../../src/powerbi/isRefreshAlreadyRunning';
import { classifyPowerBiResponse } from '../../src/powerbi/powerBiFailure';
import { refreshIdFrom } from '../../src/powerbi/refreshApi';
import { refreshDetailSchema } from '../../src/powerbi/refreshSchemas';
import { pollDelaySeconds } from '../../src/refresh/pollDelay';
import { fromRefreshId, newRefreshRowKey } from '../../src/refresh/refreshKey';
import { fromRefreshEntity, toRefreshEntity, type RefreshRecord } from '../../src/refresh/refreshRecord';
import { toRefreshStatus } from '../../src/refresh/toRefreshStatus';

const datasetId = '0f8fad5b-d9cb-469f-a165-70867728950e';
const issues = (input: unknown) => {
    const parsed = refreshTargetSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('refresh target config', () => {
    it('accepts enum values in any casing and sends the spelling of the spec', () => {
        const target = refreshTargetSchema.parse({
            name: 'sales',
            datasetId,
            refresh: { type: 'dataonly', commitMode: 'PARTIALBATCH', applyRefreshPolicy: false },
        });
        expect(toRefreshRequest(target, new Date())).toEqual({
            type: 'DataOnly',
            commitMode: 'partialBatch',
            applyRefreshPolicy: false,
        });
    });

    it('rejects what the service rejects: notifyOption, partialBatch with a refresh policy, a bad timeout, more than 24 hours', () => {
        expect(issues({ name: 'a', datasetId, refresh: { notifyOption: 'MailOnFailure' } })).toEqual([
            expect.stringMatching(/^refresh.notifyOption: notifyOption must be left out/),
        ]);
        expect(issues({ name: 'a', datasetId, refresh: { commitMode: 'partialBatch' } })).toEqual([
            expect.stringMatching(/^refresh.applyRefreshPolicy: must be set to false/),
        ]);
        expect(issues({ name: 'a', datasetId, refresh: { timeout: '24:00:00' } })).toEqual([
            expect.stringMatching(/^refresh.timeout: must be hh:mm:ss/),
        ]);
        expect(issues({ name: 'a', datasetId, refresh: { timeout: '09:00:00', retryCount: 2 } })).toEqual([
            expect.stringMatching(/24 hours/),
        ]);
        expect(issues({ name: 'a', datasetId, refresh: { type: 'add' } })).toEqual([
            expect.stringMatching(/^refresh.type: must be one of Full/),
        ]);
    });

    it('needs exactly one of datasetId and datasetName, and a name usable in URLs', () => {
        expect(issues({ name: 'a' })).toEqual(['datasetId: set exactly one of datasetId or datasetName']);
        expect(issues({ name: 'a', datasetId, datasetName: 'Sales' })).toEqual([
            'datasetId: set exactly one of datasetId or datasetName',
        ]);
        expect(issues({ name: 'a~b', datasetName: 'Sales' })).toEqual([
            expect.stringMatching(/^name: must be 1-63 letters/),
        ]);
    });

    it('rejects two targets with the same name', () => {
        expect(() =>
            parseRelayConfig(
                {
                    refreshTargets: [
                        { name: 'Sales', datasetId },
                        { name: 'sales', datasetId },
                    ],
                },
                'test',
            ),
        ).toThrow(/refreshTargets.1.name: duplicate refresh target "sales"/);
    });

    it('derives the deadline from the service budget unless one is set', () => {
        expect(deadlineSeconds(refreshTargetSchema.parse({ name: 'a', datasetId }))).toBe(5 * 3600 + 900);
        expect(
            deadlineSeconds(
                refreshTargetSchema.parse({ name: 'a', datasetId, refresh: { timeout: '02:00:00', retryCount: 2 } }),
            ),
        ).toBe(6 * 3600 + 900);
        expect(deadlineSeconds(refreshTargetSchema.parse({ name: 'a', datasetId, refresh: { retryCount: 9 } }))).toBe(
            24 * 3600 + 900,
        );
        expect(deadlineSeconds(refreshTargetSchema.parse({ name: 'a', datasetId, deadline: '00:45:00' }))).toBe(2700);
    });
});

describe('reading the service', () => {
    it('treats Unknown with NotStarted or InProgress, and values it does not know, as running', () => {
        expect(toRefreshStatus('Unknown', 'NotStarted')).toBe('Running');
        expect(toRefreshStatus('Unknown', 'InProgress')).toBe('Running');
        expect(toRefreshStatus('SomethingNew', 'AlsoNew')).toBe('Running');
        expect(toRefreshStatus('Completed', 'Completed')).toBe('Completed');
        expect(toRefreshStatus('Failed', 'TimedOut')).toBe('TimedOut');
        expect(toRefreshStatus('Cancelled', 'Cancelled')).toBe('Cancelled');
        expect(toRefreshStatus('Unknown', 'Failed')).toBe('Failed');
        expect(toRefreshStatus('Disabled')).toBe('Disabled');
    });

    it('reads execution details with refresh types and statuses the spec does not list', () => {
        const detail = refreshDetailSchema.parse({
            type: 'ReliableProcessing',
            status: 'Unknown',
            extendedStatus: 'Paused',
            currentRefreshType: 'Full',
            extra: 1,
        });
        expect(detail).toMatchObject({ type: 'ReliableProcessing', extendedStatus: 'Paused', extra: 1 });
    });

    it('takes the refresh id from x-ms-request-id, else from Location', () => {
        expect(refreshIdFrom(new Headers({ 'x-ms-request-id': 'abc' }))).toBe('abc');
        expect(
            refreshIdFrom(
                new Headers({
                    Location:
                        'https://api.powerbi.com/v1.0/myorg/groups/g/datasets/d/refreshes/87f31ef7-1e3a-4006-9b0b-191693e79e9e',
                }),
            ),
        ).toBe('87f31ef7-1e3a-4006-9b0b-191693e79e9e');
        expect(refreshIdFrom(new Headers())).toBeUndefined();
    });

    it('recognises "already executing" as 400 InvalidRequest (current docs) and as 409 (older docs), nothing else', () => {
        const headers = new Headers();
        const busy = JSON.stringify({
            error: {
                code: 'InvalidRequest',
                message: 'Invalid dataset refresh request. Another refresh request is already executing',
            },
        });
        expect(isRefreshAlreadyRunning(classifyPowerBiResponse(400, headers, busy))).toBe(true);
        expect(isRefreshAlreadyRunning(classifyPowerBiResponse(409, headers, ''))).toBe(true);
        const premium = JSON.stringify({
            error: { code: 'InvalidRequest', message: 'Enhanced refresh is only supported on Premium' },
        });
        expect(isRefreshAlreadyRunning(classifyPowerBiResponse(400, headers, premium))).toBe(false);
        expect(isRefreshAlreadyRunning(classifyPowerBiResponse(429, headers, busy))).toBe(false);
    });
});

describe('poll timing', () => {
    const policy = { minSeconds: 10, maxSeconds: 300 };
    it('backs off from the minimum to the maximum and never past the deadline', () => {
        // A refresh that has run for hours with a usual duration it is far past.
        expect([0, 1, 2, 3, 4, 5, 6].map((poll) => pollDelaySeconds(poll, policy, 1e6, -1e5, 1e5))).toEqual([
            10, 20, 40, 80, 160, 300, 300,
        ]);
        expect(pollDelaySeconds(6, policy, 42.2, -1e5, 1e5)).toBe(43);
        expect(pollDelaySeconds(6, policy, 0, -1e5, 1e5)).toBe(1);
    });

    it('checks just after the usual end, then backs off again from the minimum when the refresh runs over', () => {
        expect(pollDelaySeconds(6, policy, 1e6, 95, 0)).toBe(97);
        expect(pollDelaySeconds(6, policy, 1e6, 500, 0)).toBe(300);
        expect(pollDelaySeconds(6, policy, 1e6, -3, 100)).toBe(10);
        expect(pollDelaySeconds(6, policy, 1e6, -120, 300)).toBe(120);
        expect(pollDelaySeconds(6, policy, 1e6, -1000, 2000)).toBe(300);
    });

    it('sees the end of a first refresh within max(60 s, 10 %) of its length, at most 30 status calls in any hour', () => {
        // Every length from 1 s to 6 h, checks placed as the poller places them (no usual duration yet).
        let worstShare = 0;
        let mostInAnHour = 0;
        for (let length = 1; length <= 6 * 3600; length += 7) {
            const checks: number[] = [];
            for (let at = 0, poll = 0; at < length; poll += 1) {
                at += pollDelaySeconds(poll, policy, 1e6, undefined, at);
                checks.push(at);
            }
            worstShare = Math.max(worstShare, (checks.at(-1)! - length) / Math.max(60, 0.1 * length));
            for (let first = 0, last = 0; last < checks.length; last += 1) {
                while (checks[last]! - checks[first]! >= 3600) first += 1;
                mostInAnHour = Math.max(mostInAnHour, last - first + 1);
            }
        }
        expect(worstShare).toBeLessThanOrEqual(1);
        expect(mostInAnHour).toBeLessThanOrEqual(30);
    });
});

describe('history records', () => {
    it('sort newest first and round-trip through a Table entity, keeping long lists under the property limit', () => {
        const older = newRefreshRowKey(new Date('2025-01-01T00:00:00Z'));
        const newer = newRefreshRowKey(new Date('2025-01-01T00:00:01Z'));
        expect(newer < older).toBe(true);
        const record: RefreshRecord = {
            id: `sales~${newer}`,
            target: 'sales',
            rowKey: newer,
            workspaceId: 'w',
            datasetId: 'd',
            trigger: 'attached',
            requestedBy: 'timer',
            status: 'Failed',
            requestedAt: '2025-01-01T00:00:01.000Z',
            deadline: '2025-01-01T05:15:01.000Z',
            startAttempts: 1,
            polls: 4,
            options: { type: 'Full' },
            messages: Array.from({ length: 2000 }, (_, i) => ({
                code: '0x1',
                message: `message ${i} `.repeat(5),
                type: 'Error',
            })),
            error: { status: 400, code: 'InvalidRequest', message: 'no' },
        };
        const entity = toRefreshEntity(record);
        expect((entity.messagesJson as string).length).toBeLessThanOrEqual(30_000);
        const back = fromRefreshEntity({ ...entity, etag: 'x', timestamp: 'y' });
        expect(back.messages!.length).toBeGreaterThan(100);
        expect(back).toEqual({ ...record, messages: back.messages });
        expect(fromRefreshId(record.id)).toEqual({ target: 'sales', rowKey: newer });
        expect(fromRefreshId('nope')).toBeUndefined();
    });
});
