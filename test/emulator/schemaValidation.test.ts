import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBed, type TestBed } from './support/powerBiTestBed';

let bed: TestBed;
beforeAll(async () => {
    bed = await startTestBed();
});
afterAll(async () => {
    await bed.emulator.close();
});

const table = (name: string, columns: { name: string; dataType: string }[] = [{ name: 'Id', dataType: 'Int64' }]) => ({
    name,
    columns,
});
const create = (body: unknown) => bed.api.post(`${bed.group}/datasets`, body);

describe('CreateDatasetRequest validation', () => {
    it('rejects an unknown property with 400 BadRequest and details[{message, target}] naming the service type', async () => {
        const response = await create({ name: 'd', tables: [table('T')], compatibilityLevel: 1550 });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
            error: {
                code: 'BadRequest',
                message: 'Bad Request',
                details: [
                    {
                        message:
                            "The property 'compatibilityLevel' does not exist on type 'Microsoft.PowerBI.ServiceContracts.Api.Dataset'. Make sure to only use property names that are defined by the type.",
                        target: 'dataset',
                    },
                ],
            },
        });
    });

    it('rejects unknown properties on tables and columns too', async () => {
        const onTable = await create({ name: 'd', tables: [{ ...table('T'), partitions: [] }] });
        expect(onTable.body.error.details[0].message).toContain("'Microsoft.PowerBI.ServiceContracts.Api.Table'");
        expect(onTable.body.error.details[0].target).toBe('dataset.tables[0]');
        const onColumn = await create({
            name: 'd',
            tables: [{ name: 'T', columns: [{ name: 'c', dataType: 'Int64', nullable: true }] }],
        });
        expect(onColumn.body.error.details[0].message).toContain("'Microsoft.PowerBI.ServiceContracts.Api.Column'");
    });

    it('requires name and tables, and name and columns on each table', async () => {
        for (const body of [
            { tables: [table('T')] },
            { name: 'd' },
            { name: 'd', tables: [{ name: 'T' }] },
            { name: 'd', tables: [{ columns: [] }] },
        ]) {
            const response = await create(body);
            expect(response.status).toBe(400);
            expect(response.body.error.code).toBe('BadRequest');
        }
    });

    it('accepts the six data types case-insensitively and the "bool" alias of the spec example', async () => {
        const columns = [
            'Int64',
            'int64',
            'Double',
            'BOOLEAN',
            'bool',
            'DateTime',
            'dateTime',
            'Datetime',
            'String',
            'string',
            'Decimal',
        ].map((dataType, index) => ({ name: `c${index}`, dataType }));
        expect((await create({ name: 'd', tables: [{ name: 'T', columns }] })).status).toBe(201);
    });

    it('rejects any other data type', async () => {
        for (const dataType of ['Int32', 'Date', 'Number', 'Text', '']) {
            const response = await create({ name: 'd', tables: [table('T', [{ name: 'c', dataType }])] });
            expect(response.status, dataType).toBe(400);
            expect(response.body.error.details[0].target).toBe('dataset.tables[0].columns[0].dataType');
        }
    });

    it('enforces the table name pattern from the spec (1-100 characters, no punctuation such as . / ( ))', async () => {
        expect((await create({ name: 'd', tables: [table('Sales #1 - ünïcode_~@^')] })).status).toBe(201);
        for (const name of ['', 'a.b', 'a/b', 'Sales (EU)', 'x'.repeat(101)]) {
            const response = await create({ name: 'd', tables: [table(name)] });
            expect(response.status, name).toBe(400);
            expect(response.body.error.details[0].target).toBe('dataset.tables[0].name');
        }
        expect((await create({ name: 'd', tables: [table('x'.repeat(100))] })).status).toBe(201);
    });

    it('rejects control characters in column names but allows punctuation', async () => {
        expect(
            (await create({ name: 'd', tables: [table('T', [{ name: 'Amount (€).net', dataType: 'Double' }])] }))
                .status,
        ).toBe(201);
        expect(
            (await create({ name: 'd', tables: [table('T', [{ name: 'a\u0001b', dataType: 'Double' }])] })).status,
        ).toBe(400);
    });

    it('allows 75 tables, 75 columns and 75 relationships, and rejects 76 of each', async () => {
        const tables = (count: number) => Array.from({ length: count }, (_, index) => table(`T${index}`));
        const columns = (count: number) =>
            Array.from({ length: count }, (_, index) => ({ name: `c${index}`, dataType: 'Int64' }));
        const relationships = (count: number) =>
            Array.from({ length: count }, (_, index) => ({
                name: `R${index}`,
                fromTable: `T${index}`,
                fromColumn: 'Id',
                toTable: 'T75',
                toColumn: 'Id',
            }));
        expect((await create({ name: 'd', tables: tables(75) })).status).toBe(201);
        expect((await create({ name: 'd', tables: tables(76) })).status).toBe(400);
        expect((await create({ name: 'd', tables: [table('T', columns(75))] })).status).toBe(201);
        expect((await create({ name: 'd', tables: [table('T', columns(76))] })).status).toBe(400);
        // 76 tables would break the table limit, so relationships point into the same tables.
        const relTables = tables(75).concat([]);
        const rel75 = relationships(75).map((relationship, index) => ({
            ...relationship,
            fromTable: `T${index % 74}`,
            toTable: 'T74',
        }));
        expect((await create({ name: 'd', tables: relTables, relationships: rel75 })).status).toBe(201);
        const rel76 = [...rel75, { ...rel75[0]!, name: 'R75' }];
        const tooMany = await create({ name: 'd', tables: relTables, relationships: rel76 });
        expect(tooMany.status).toBe(400);
        expect(tooMany.body.error.details[0].target).toBe('dataset.relationships');
    });

    it('checks relationships: required fields, crossFilteringBehavior enum, existing tables and columns', async () => {
        const tables = [table('A'), table('B')];
        const valid = {
            name: 'AB',
            fromTable: 'A',
            fromColumn: 'Id',
            toTable: 'B',
            toColumn: 'Id',
            crossFilteringBehavior: 'BothDirections',
        };
        expect((await create({ name: 'd', tables, relationships: [valid] })).status).toBe(201);
        expect((await create({ name: 'd', tables, relationships: [{ ...valid, toColumn: 'Missing' }] })).status).toBe(
            400,
        );
        expect(
            (await create({ name: 'd', tables, relationships: [{ ...valid, crossFilteringBehavior: 'Sideways' }] }))
                .status,
        ).toBe(400);
        const withoutFromColumn: Partial<typeof valid> = { ...valid };
        delete withoutFromColumn.fromColumn;
        expect((await create({ name: 'd', tables, relationships: [withoutFromColumn] })).status).toBe(400);
    });

    it('rejects duplicate table or column names (model names are case-insensitive)', async () => {
        expect((await create({ name: 'd', tables: [table('T'), table('t')] })).status).toBe(400);
        expect(
            (
                await create({
                    name: 'd',
                    tables: [
                        table('T', [
                            { name: 'c', dataType: 'Int64' },
                            { name: 'C', dataType: 'String' },
                        ]),
                    ],
                })
            ).status,
        ).toBe(400);
    });

    it('accepts measures and optional column properties from the spec on a Push dataset', async () => {
        const response = await create({
            name: 'd',
            defaultMode: 'Push',
            tables: [
                {
                    name: 'T',
                    description: 'facts',
                    isHidden: false,
                    columns: [
                        {
                            name: 'Amount',
                            dataType: 'Double',
                            formatString: '0.00',
                            summarizeBy: 'sum',
                            dataCategory: 'Uncategorized',
                            isHidden: false,
                        },
                        { name: 'Label', dataType: 'String', sortByColumn: 'Amount' },
                    ],
                    measures: [
                        {
                            name: 'Total',
                            expression: 'SUM(T[Amount])',
                            formatString: '0.00',
                            isHidden: false,
                            description: 'sum',
                        },
                    ],
                },
            ],
        });
        expect(response.status).toBe(201);
    });

    it('rejects defaultMode values the emulator does not model (AsAzure, AsOnPrem, Streaming)', async () => {
        for (const defaultMode of ['AsAzure', 'Streaming']) {
            expect((await create({ name: 'd', defaultMode, tables: [table('T')] })).status).toBe(400);
        }
        expect((await create({ name: 'd', defaultMode: 'Pushy', tables: [table('T')] })).status).toBe(400);
    });
});
