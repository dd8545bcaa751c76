import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSalesDataset, productRow, startTestBed, type TestBed } from './support/powerBiTestBed';

let bed: TestBed;
beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});
beforeEach(async () => {
    await bed.emulator.updateLimits({
        maxPostRowsRequestsPerMinute: 120,
        maxRowsPerHour: 1_000_000,
        slowdownTableRows: 250_000,
        maxPostRowsRequestsPerHourAfterSlowdown: 120,
        fifoMaxRows: 200_000,
        fifoTrimSlack: 10_000,
        maxRowsPerTableNone: 5_000_000,
        maxRequestBytes: 16 * 1024 * 1024,
    });
});

const rows = (count: number, start = 0) => Array.from({ length: count }, (_, index) => ({ ProductID: start + index }));

async function pushDataset(policy: 'None' | 'basicFIFO' = 'basicFIFO') {
    const id = await createSalesDataset(bed, policy);
    return { id, path: `${bed.group}/datasets/${id}/tables/Product/rows` };
}

describe('push limits (documented defaults)', () => {
    it('accepts 10,000 rows in one request and answers 413 RequestEntityTooLarge for 10,001', async () => {
        const { path } = await pushDataset();
        expect((await bed.api.post(path, { rows: rows(10_000) })).status).toBe(200);
        const tooMany = await bed.api.post(path, { rows: rows(10_001) });
        expect(tooMany.status).toBe(413);
        expect(tooMany.body.error.code).toBe('RequestEntityTooLarge');
    });

    it('answers 413 for a body over 16 MB', async () => {
        const { path } = await pushDataset();
        const big = JSON.stringify({ rows: [{ Name: 'x'.repeat(16 * 1024 * 1024) }] });
        const response = await bed.api.post(path, big);
        expect(response.status).toBe(413);
        expect(response.body.error.code).toBe('RequestEntityTooLarge');
    });

    it('allows 120 POST rows requests per minute per dataset, then 429 with a truthful Retry-After', async () => {
        const { path } = await pushDataset();
        const other = await pushDataset();
        for (let index = 0; index < 60; index++) await bed.api.post(path, { rows: [productRow(index)] });
        bed.emulator.clock.advance({ seconds: 20 });
        for (let index = 0; index < 60; index++) await bed.api.post(path, { rows: [productRow(index)] });
        bed.emulator.clock.advance({ seconds: 10 });

        const throttled = await bed.api.post(path, { rows: [productRow(999)] });
        expect(throttled.status).toBe(429);
        expect(throttled.body.error).toEqual({
            code: 'TooManyRequests',
            message:
                'You have exceeded the amount of requests allowed in the current time frame and further requests will fail.',
        });
        // The first 60 requests leave the one-minute window 30 s from now.
        expect(throttled.headers.get('Retry-After')).toBe('30');
        // Other datasets have their own budget.
        expect((await bed.api.post(other.path, { rows: [productRow(1)] })).status).toBe(200);

        bed.emulator.clock.advance({ seconds: 29 });
        const stillThrottled = await bed.api.post(path, { rows: [productRow(1)] });
        expect(stillThrottled.status).toBe(429);
        expect(stillThrottled.headers.get('Retry-After')).toBe('1');
        bed.emulator.clock.advance({ seconds: 1 });
        expect((await bed.api.post(path, { rows: [productRow(1)] })).status).toBe(200);
    });

    it('states Retry-After in real seconds while the clock runs scaled, so a client waiting as told is on time', async () => {
        const { path } = await pushDataset();
        await bed.emulator.updateLimits({ maxPostRowsRequestsPerMinute: 2 });
        bed.emulator.clock.setTimeScale(30);
        bed.emulator.clock.resume();
        try {
            for (let index = 0; index < 2; index++)
                expect((await bed.api.post(path, { rows: [productRow(index)] })).status).toBe(200);
            const throttled = await bed.api.post(path, { rows: [productRow(3)] });
            expect(throttled.status).toBe(429);
            // About 60 emulated seconds remain: two real seconds at time scale 30.
            expect(throttled.headers.get('Retry-After')).toBe('2');
        } finally {
            bed.emulator.clock.freeze();
            bed.emulator.clock.setTimeScale(1);
        }
    });

    it('allows 1,000,000 rows per hour per dataset, then 429 until the oldest rows leave the hour', async () => {
        const { path } = await pushDataset('None');
        for (let batch = 0; batch < 50; batch++) {
            const response = await bed.api.post(path, { rows: rows(10_000, batch * 10_000) });
            expect(response.status).toBe(200);
            if (batch === 24) bed.emulator.clock.advance({ minutes: 10 });
        }
        bed.emulator.clock.advance({ minutes: 5 });
        for (let batch = 50; batch < 100; batch++)
            expect((await bed.api.post(path, { rows: rows(10_000) })).status).toBe(200);
        const throttled = await bed.api.post(path, { rows: rows(1) });
        expect(throttled.status).toBe(429);
        expect(throttled.body.error.message).toBe('Maximum number of rows exceeded in time window. Please retry later');
        // The first 250,000 rows were pushed 15 minutes ago: they leave the window in 45 minutes.
        expect(throttled.headers.get('Retry-After')).toBe(String(45 * 60));
        bed.emulator.clock.advance({ minutes: 45 });
        expect((await bed.api.post(path, { rows: rows(10_000) })).status).toBe(200);
    });

    it('drops to 120 requests per hour once the table holds 250,000 rows (threshold lowered for the test)', async () => {
        await bed.emulator.updateLimits({ slowdownTableRows: 50, maxPostRowsRequestsPerHourAfterSlowdown: 3 });
        const { path } = await pushDataset();
        expect((await bed.api.post(path, { rows: rows(50) })).status).toBe(200);
        bed.emulator.clock.advance({ minutes: 10 });
        expect((await bed.api.post(path, { rows: rows(1) })).status).toBe(200);
        expect((await bed.api.post(path, { rows: rows(1) })).status).toBe(200);
        const throttled = await bed.api.post(path, { rows: rows(1) });
        expect(throttled.status).toBe(429);
        expect(throttled.headers.get('Retry-After')).toBe(String(50 * 60));
    });

    it('allows 5 pending POST rows requests per dataset; a 6th concurrent one gets 429', async () => {
        const { id, path } = await pushDataset();
        await bed.emulator.injectFaults({
            operation: 'postRows',
            datasetId: id,
            kind: 'delay',
            delayMs: 300,
            count: 5,
        });
        const delayed = Array.from({ length: 5 }, (_, index) => bed.api.post(path, { rows: [productRow(index)] }));
        await waitFor(async () => (await bed.emulator.faults()).length === 0);
        const sixth = await bed.api.post(path, { rows: [productRow(6)] });
        expect(sixth.status).toBe(429);
        expect(sixth.body.error.message).toContain('pending');
        expect(Number(sixth.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
        expect((await Promise.all(delayed)).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
        expect((await bed.api.post(path, { rows: [productRow(7)] })).status).toBe(200);
    });

    it('trims basicFIFO tables back to 200,000 rows once they pass 210,000 (limits lowered for the test)', async () => {
        await bed.emulator.updateLimits({ fifoMaxRows: 20, fifoTrimSlack: 5 });
        const { id, path } = await pushDataset('basicFIFO');
        await bed.api.post(path, { rows: rows(25) });
        const table = async () => (await bed.emulator.datasets()).find((dataset) => dataset.id === id)!.tables[0]!;
        expect((await table()).rowCount).toBe(25);
        await bed.api.post(path, { rows: rows(1, 25) });
        const trimmed = await table();
        expect(trimmed.rowCount).toBe(20);
        expect(trimmed.rows![0]!.ProductID).toBe(6);
        expect(trimmed.rows![19]!.ProductID).toBe(25);
    });

    it('stops a table without retention policy at 5,000,000 rows (limit lowered for the test)', async () => {
        await bed.emulator.updateLimits({ maxRowsPerTableNone: 30 });
        const { path } = await pushDataset('None');
        expect((await bed.api.post(path, { rows: rows(30) })).status).toBe(200);
        const over = await bed.api.post(path, { rows: rows(1) });
        expect(over.status).toBe(400);
        expect(over.body.error.message).toContain('30 rows');
    });

    it('limits strings to 4,000 characters (configurable)', async () => {
        await bed.emulator.updateLimits({ maxStringLength: 10 });
        const { path } = await pushDataset();
        expect((await bed.api.post(path, { rows: [{ Name: 'x'.repeat(10) }] })).status).toBe(200);
        expect((await bed.api.post(path, { rows: [{ Name: 'x'.repeat(11) }] })).status).toBe(400);
        await bed.emulator.updateLimits({ maxStringLength: 4000 });
    });
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
        if (await condition()) return;
        await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('condition not met');
}
