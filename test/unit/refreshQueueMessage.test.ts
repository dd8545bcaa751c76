import { describe, expect, it } from 'vitest';
import { refreshQueueMessageSchema } from '../../src/refresh/refreshQueueMessage';

const check = {
    version: 1,
    kind: 'poll',
    id: 'Sales~r1',
    target: 'Sales',
    rowKey: 'r1',
    workspaceId: 'w',
    datasetId: 'd',
    requestId: 'q',
    poll: 3,
};

describe('refresh queue messages', () => {
    it('still reads the checks and alerts of earlier versions, which carried notBefore', () => {
        expect(refreshQueueMessageSchema.parse({ ...check, notBefore: '2026-01-01T00:00:00.000Z' })).toMatchObject({
            kind: 'poll',
            poll: 3,
        });
        expect(refreshQueueMessageSchema.parse(check)).toEqual(check);
    });

    it('reads a restart of a dropped refresh', () => {
        const restart = { version: 1, kind: 'restart', id: 'Sales~r1', target: 'Sales', rowKey: 'r1' };
        expect(refreshQueueMessageSchema.parse(restart)).toEqual(restart);
        expect(refreshQueueMessageSchema.safeParse({ ...restart, rowKey: '' }).success).toBe(false);
    });

    it('refuses fields it does not know', () => {
        expect(refreshQueueMessageSchema.safeParse({ ...check, due: 'soon' }).success).toBe(false);
    });
});
