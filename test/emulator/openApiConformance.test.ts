import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { powerBiRequestSchemas, powerBiSchemas } from '../../emulator';
import { createSalesDataset, productRow, salesMarketing, startTestBed, type TestBed } from './support/powerBiTestBed';

/*
 * The x-ms-examples of Microsoft's OpenAPI spec (PowerBI-CSharp sdk/swaggers/swagger.json @ 4ad33dd),
 * copied here so that the emulator's zod schemas are checked against the service's own examples.
 */
const specExamples = {
    getDatasetsInGroup: {
        value: [
            {
                id: 'cfafbeb1-8037-4d0c-896e-a46fb27ff229',
                name: 'SalesMarketing',
                addRowsAPIEnabled: false,
                configuredBy: 'john@contoso.com',
                isRefreshable: true,
                isEffectiveIdentityRequired: false,
                isEffectiveIdentityRolesRequired: false,
                isOnPremGatewayRequired: false,
            },
        ],
    },
    refreshHistoryFailed: {
        value: [
            {
                refreshType: 'ViaApi',
                startTime: '2017-06-13T09:25:43.153Z',
                endTime: '2017-06-13T09:31:43.153Z',
                serviceExceptionJson: '{"errorCode":"ModelRefreshFailed_CredentialsNotSpecified"}',
                status: 'Failed',
                requestId: '11bf290a-346b-48b7-8973-c5df149337ff',
                refreshAttempts: [
                    {
                        attemptId: 1,
                        startTime: '2017-06-13T09:25:43.153Z',
                        endTime: '2017-06-13T09:31:43.153Z',
                        serviceExceptionJson: '{"errorCode":"ModelRefreshFailed_CredentialsNotSpecified"}',
                        type: 'Data',
                    },
                ],
            },
        ],
    },
    refreshDetailInProgress: {
        startTime: '2021-12-14T03:46:04.833Z',
        type: 'Full',
        commitMode: 'Transactional',
        status: 'Unknown',
        extendedStatus: 'NotStarted',
        currentRefreshType: 'Full',
        numberOfAttempts: 0,
    },
    refreshRequests: [
        { notifyOption: 'MailOnFailure' },
        {
            type: 'full',
            commitMode: 'transactional',
            objects: [{ table: 'Customer', partition: 'Robert' }],
            applyRefreshPolicy: 'false',
        },
    ],
};

let bed: TestBed;
beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});

describe('zod schemas written from the OpenAPI definitions', () => {
    it('accept the spec examples', () => {
        expect(powerBiSchemas.datasetsSchema.safeParse(specExamples.getDatasetsInGroup).success).toBe(true);
        expect(powerBiSchemas.refreshesSchema.safeParse(specExamples.refreshHistoryFailed).success).toBe(true);
        expect(powerBiSchemas.datasetRefreshDetailSchema.safeParse(specExamples.refreshDetailInProgress).success).toBe(
            true,
        );
        expect(powerBiRequestSchemas.createDatasetRequestSchema.safeParse(salesMarketing).success).toBe(true);
        for (const request of specExamples.refreshRequests) {
            expect(powerBiRequestSchemas.datasetRefreshRequestSchema.safeParse(request).success).toBe(true);
        }
    });

    it('push responses conform: create, list datasets, list tables, and every error envelope', async () => {
        const created = await bed.api.post(`${bed.group}/datasets?defaultRetentionPolicy=basicFIFO`, salesMarketing);
        powerBiSchemas.createdDatasetSchema.parse(created.body);
        powerBiSchemas.datasetsSchema.parse((await bed.api.get(`${bed.group}/datasets`)).body);
        powerBiSchemas.tablesSchema.parse((await bed.api.get(`${bed.group}/datasets/${created.body.id}/tables`)).body);
        const errors = [
            await bed.api.post(`${bed.group}/datasets`, { name: 'x' }),
            await bed.api.get(`/v1.0/myorg/groups/00000000-0000-4000-8000-000000000000/datasets`),
            await bed.api.post(`${bed.group}/datasets/${created.body.id}/tables/Nope/rows`, { rows: [productRow(1)] }),
        ];
        for (const error of errors)
            expect(powerBiSchemas.errorResponseSchema.strict().safeParse(error.body).success).toBe(true);
    });

    it('refresh responses conform: history entries and execution details while running and when done', async () => {
        const { id } = await bed.emulator.createModel({
            workspaceId: bed.workspaceId,
            name: 'm',
            tables: [{ name: 'T', partitions: ['P1'] }],
        });
        await bed.emulator.setRefreshScript(id, { outcome: 'failure', durationSeconds: 10 });
        const base = `${bed.group}/datasets/${id}/refreshes`;
        const accepted = await bed.api.post(base, { type: 'Full', retryCount: 1 });
        const detailsPath = `${base}/${accepted.headers.get('x-ms-request-id')}`;
        powerBiSchemas.datasetRefreshDetailSchema.parse((await bed.api.get(detailsPath)).body);
        powerBiSchemas.refreshesSchema.parse((await bed.api.get(base)).body);
        bed.emulator.clock.advance({ seconds: 20 });
        const done = powerBiSchemas.datasetRefreshDetailSchema.parse((await bed.api.get(detailsPath)).body);
        expect(done.messages?.length).toBeGreaterThan(0);
        const history = powerBiSchemas.refreshesSchema.parse((await bed.api.get(base)).body);
        expect(history.value[0]?.refreshAttempts).toHaveLength(2);
    });

    it('dataset fields are camelCase as in the spec examples (not the IsRefreshable/CreatedDate of its definitions)', async () => {
        await createSalesDataset(bed);
        const [dataset] = (await bed.api.get(`${bed.group}/datasets`)).body.value as Record<string, unknown>[];
        expect(Object.keys(dataset!).filter((key) => /^[A-Z]/.test(key))).toEqual([]);
    });
});
