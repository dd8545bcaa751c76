import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powerBiSchemas } from '../../emulator';
import {
    adminPrincipal,
    createSalesDataset,
    productRow,
    salesMarketing,
    startTestBed,
    type TestBed,
} from './support/powerBiTestBed';

let bed: TestBed;
beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});

describe('push datasets', () => {
    it('creates a dataset with 201 and the spec example body {id, name, defaultRetentionPolicy}', async () => {
        const response = await bed.api.post(`${bed.group}/datasets?defaultRetentionPolicy=basicFIFO`, salesMarketing);
        expect(response.status).toBe(201);
        expect(powerBiSchemas.createdDatasetSchema.strict().parse(response.body)).toEqual({
            id: expect.any(String),
            name: 'SalesMarketing',
            defaultRetentionPolicy: 'basicFIFO',
        });
        expect(response.headers.get('RequestId')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('defaults the retention policy to None and rejects an unknown one', async () => {
        const created = await bed.api.post(`${bed.group}/datasets`, { ...salesMarketing, name: 'NoPolicy' });
        expect(created.body.defaultRetentionPolicy).toBe('None');
        const bad = await bed.api.post(`${bed.group}/datasets?defaultRetentionPolicy=forever`, salesMarketing);
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe('BadRequest');
    });

    it('lists datasets with camelCase fields: push datasets allow rows and are not refreshable', async () => {
        const id = await createSalesDataset(bed);
        await bed.emulator.createModel({ workspaceId: bed.workspaceId, name: 'Imported', tables: [{ name: 'Fact' }] });
        const response = await bed.api.get(`${bed.group}/datasets`);
        expect(response.status).toBe(200);
        const list = powerBiSchemas.datasetsSchema.parse(response.body);
        const push = list.value.find((dataset) => dataset.id === id);
        expect(push).toMatchObject({
            name: 'SalesMarketing',
            addRowsAPIEnabled: true,
            isRefreshable: false,
            configuredBy: adminPrincipal,
        });
        const model = list.value.find((dataset) => dataset.name === 'Imported');
        expect(model).toMatchObject({ addRowsAPIEnabled: false, isRefreshable: true });
        expect(Object.keys(push!)).not.toContain('IsRefreshable');
    });

    it('gets one dataset and deletes it', async () => {
        const id = await createSalesDataset(bed);
        const got = await bed.api.get(`${bed.group}/datasets/${id}`);
        expect(got.status).toBe(200);
        expect(powerBiSchemas.datasetSchema.parse(got.body).id).toBe(id);
        expect((await bed.api.delete(`${bed.group}/datasets/${id}`)).status).toBe(200);
        expect((await bed.api.get(`${bed.group}/datasets/${id}`)).body.error.code).toBe('PowerBIEntityNotFound');
    });

    it('lists tables of a push dataset by name', async () => {
        const id = await createSalesDataset(bed);
        const response = await bed.api.get(`${bed.group}/datasets/${id}/tables`);
        expect(response.status).toBe(200);
        expect(powerBiSchemas.tablesSchema.parse(response.body).value).toEqual([{ name: 'Product' }]);
    });

    it('posts rows (200, empty body), stores them normalised, and deletes them all', async () => {
        const id = await createSalesDataset(bed);
        const posted = await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, {
            rows: [productRow(1), productRow(2), { ...productRow(3), Sales: null }],
        });
        expect(posted.status).toBe(200);
        expect(posted.text).toBe('');
        const [dataset] = (await bed.emulator.datasets()).filter((candidate) => candidate.id === id);
        expect(dataset?.tables[0]?.rowCount).toBe(3);
        expect(dataset?.tables[0]?.rows?.[0]).toEqual({ ...productRow(1), ManufacturedOn: '2014-07-30T00:00:00.000Z' });

        expect((await bed.api.delete(`${bed.group}/datasets/${id}/tables/Product/rows`)).status).toBe(200);
        const [cleared] = (await bed.emulator.datasets()).filter((candidate) => candidate.id === id);
        expect(cleared?.tables[0]?.rowCount).toBe(0);
    });

    it('replaces a table schema with PUT and deletes the rows it held', async () => {
        const id = await createSalesDataset(bed);
        await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, { rows: [productRow(1)] });
        const put = await bed.api.put(`${bed.group}/datasets/${id}/tables/Product`, {
            name: 'Product',
            columns: [
                { name: 'ProductID', dataType: 'Int64' },
                { name: 'NewColumn', dataType: 'string' },
            ],
        });
        expect(put.status).toBe(200);
        expect(put.body).toEqual({ name: 'Product' });
        const [dataset] = (await bed.emulator.datasets()).filter((candidate) => candidate.id === id);
        expect(dataset?.tables[0]?.rows).toEqual([]);
        const rejected = await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, {
            rows: [productRow(2)],
        });
        expect(rejected.status).toBe(400);
        const accepted = await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, {
            rows: [{ ProductID: 2, NewColumn: 'x' }],
        });
        expect(accepted.status).toBe(200);
    });

    it('refuses column properties other than name and dataType on a PushStreaming dataset, at create and PUT', async () => {
        const streaming = {
            name: 'Streaming',
            defaultMode: 'PushStreaming',
            tables: [{ name: 'T', columns: [{ name: 'At', dataType: 'DateTime', formatString: 'yyyy-MM-dd' }] }],
        };
        const refused = await bed.api.post(`${bed.group}/datasets`, streaming);
        expect(refused.status).toBe(400);
        expect(refused.body).toEqual({
            error: {
                code: 'InvalidRequest',
                message: 'This dataset or endpoint does not support column properties other than name and dataType.',
            },
        });
        const plain = { ...streaming, tables: [{ name: 'T', columns: [{ name: 'At', dataType: 'DateTime' }] }] };
        const created = await bed.api.post(`${bed.group}/datasets`, plain);
        expect(created.status).toBe(201);
        const put = await bed.api.put(`${bed.group}/datasets/${created.body.id}/tables/T`, {
            name: 'T',
            columns: [{ name: 'At', dataType: 'DateTime', isHidden: true }],
        });
        expect(put.status).toBe(400);
        expect(put.body.error.code).toBe('InvalidRequest');
        const push = await bed.api.post(`${bed.group}/datasets`, {
            ...streaming,
            name: 'PushOnly',
            defaultMode: 'Push',
        });
        expect(push.status).toBe(201);
    });

    it('rejects PUT with a different table name than the URL, and PUT of an unknown table', async () => {
        const id = await createSalesDataset(bed);
        const renamed = await bed.api.put(`${bed.group}/datasets/${id}/tables/Product`, { name: 'Other', columns: [] });
        expect(renamed.status).toBe(400);
        const unknown = await bed.api.put(`${bed.group}/datasets/${id}/tables/Nope`, { name: 'Nope', columns: [] });
        expect(unknown.status).toBe(404);
    });

    it('serves the My workspace form (/v1.0/myorg/datasets) to users but not to service principals', async () => {
        const user = await bed.clientFor('b0000000-0000-4000-8000-000000000001', 'user');
        const created = await user.post('/v1.0/myorg/datasets', salesMarketing);
        expect(created.status).toBe(201);
        expect(
            (await user.post(`/v1.0/myorg/datasets/${created.body.id}/tables/Product/rows`, { rows: [productRow(1)] }))
                .status,
        ).toBe(200);
        const listed = await user.get('/v1.0/myorg/datasets');
        expect(listed.body.value.map((dataset: { id: string }) => dataset.id)).toEqual([created.body.id]);

        const app = await bed.api.get('/v1.0/myorg/datasets');
        expect(app.status).toBe(403);
        expect(app.body.error.message).toBe('API is not accessible for application');
    });
});

describe('lookups and their errors', () => {
    it('answers 404 PowerBIEntityNotFound for an unknown workspace or dataset', async () => {
        const workspace = await bed.api.get('/v1.0/myorg/groups/00000000-0000-4000-8000-000000000000/datasets');
        expect(workspace.status).toBe(404);
        expect(workspace.body.error.code).toBe('PowerBIEntityNotFound');
        const dataset = await bed.api.post(
            `${bed.group}/datasets/00000000-0000-4000-8000-000000000000/tables/Product/rows`,
            { rows: [] },
        );
        expect(dataset.status).toBe(404);
        expect(dataset.body.error.code).toBe('PowerBIEntityNotFound');
    });

    it('answers 404 ItemNotFound "Dataset {id} is not Push API dataset." for push operations on an import model', async () => {
        const { id } = await bed.emulator.createModel({
            workspaceId: bed.workspaceId,
            name: 'Model',
            tables: [{ name: 'Fact' }],
        });
        for (const response of [
            await bed.api.get(`${bed.group}/datasets/${id}/tables`),
            await bed.api.post(`${bed.group}/datasets/${id}/tables/Fact/rows`, { rows: [] }),
            await bed.api.delete(`${bed.group}/datasets/${id}/tables/Fact/rows`),
        ]) {
            expect(response.status).toBe(404);
            expect(response.body).toEqual({
                error: { code: 'ItemNotFound', message: `Dataset ${id} is not Push API dataset.` },
            });
        }
    });

    it('matches table names case-sensitively (a case mismatch is a 404)', async () => {
        const id = await createSalesDataset(bed);
        const response = await bed.api.post(`${bed.group}/datasets/${id}/tables/product/rows`, {
            rows: [productRow(1)],
        });
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe('ItemNotFound');
    });

    it('routes literal segments case-insensitively and answers unknown routes with 404 and wrong methods with 405', async () => {
        const id = await createSalesDataset(bed);
        expect((await bed.api.get(`/v1.0/MyOrg/Groups/${bed.workspaceId}/Datasets/${id}/Tables`)).status).toBe(200);
        expect((await bed.api.get(`${bed.group}/dashboards`)).status).toBe(404);
        const wrongMethod = await bed.api.call('PATCH', `${bed.group}/datasets/${id}/tables/Product/rows`);
        expect(wrongMethod.status).toBe(405);
        expect(wrongMethod.headers.get('RequestId')).toBeTruthy();
    });

    it('requires a JSON content type and valid JSON', async () => {
        const id = await createSalesDataset(bed);
        const text = await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, '{"rows":[]}', {
            'content-type': 'text/plain',
        });
        expect(text.status).toBe(415);
        const broken = await bed.api.post(`${bed.group}/datasets/${id}/tables/Product/rows`, '{"rows":[');
        expect(broken.status).toBe(400);
        expect(broken.body.error.details[0].target).toBe('requestMessage');
    });
});
