import { z } from 'zod';
import type { DatasetConfig, TableConfig } from '../../config/relayConfig';
import { addRowsBodySchema } from '../../ingest/ingestRows';
import { toRowSchema } from '../../ingest/toRowSchema';
import type { DataType } from '../../config/dataTypes';
import type { HttpRoute } from '../httpRoute';
import { componentRef, errorResponse, jsonContent, toJsonSchema, type Examples, type Operation } from '../openApiParts';
import {
    requestKeyParameters,
    requestKeyResponses,
    signatureRejected,
    standardWebhooksParameters,
} from './requestKeyParts';

const sampleValues: Record<DataType, unknown> = {
    Int64: 1,
    Double: 21.5,
    Decimal: 19.99,
    Boolean: true,
    String: 'text',
    DateTime: '2024-05-01T12:30:00Z',
};

function ingestOperation(dataset: DatasetConfig, table: TableConfig): Operation {
    const row = Object.fromEntries(table.columns.map((column) => [column.name, sampleValues[column.dataType]]));
    const hasRequired = table.columns.some((column) => column.required);
    const requests: Examples = {
        rows: { summary: 'One row with every column', value: { rows: [row] } },
        noRows: { summary: 'No rows', value: { rows: [] } },
        ...(hasRequired
            ? { invalidRows: { summary: 'A row without its required columns', value: { rows: [{}] } } }
            : {}),
    };
    return {
        operationId: `addRows_${dataset.name}_${table.name}`,
        summary: `Add rows to ${dataset.name}/${table.name}`,
        description:
            "Power BI's Add Rows body, validated completely against the table's columns, then enqueued whole (or not at all) " +
            'and pushed to the push dataset in the background. 202 means the rows are committed to the queue.',
        tags: ['rows'],
        parameters: [...requestKeyParameters, ...(dataset.signedBy ? standardWebhooksParameters : [])],
        requestBody: {
            required: true,
            content: jsonContent(
                toJsonSchema(addRowsBodySchema.extend({ rows: z.array(toRowSchema(table)).min(1) }), 'input'),
                requests,
            ),
        },
        responses: {
            '202': {
                description: 'Accepted: the rows are enqueued',
                content: jsonContent(componentRef('AcceptedBody'), {
                    rows: { value: { ingestionId: '5b0e8e2c-3f3a-4d0f-9a63-2f7c1c7f8a10', rows: 1 } },
                }),
            },
            '400': errorResponse('The body is not JSON, has no rows, or rows are invalid (rowErrors says which)', {
                noRows: ['NoRows', '"rows" is empty; send at least one row'],
                ...(hasRequired
                    ? {
                          invalidRows: ['InvalidRows', '1 of 1 rows are invalid; nothing was enqueued'] as [
                              string,
                              string,
                          ],
                      }
                    : {}),
            }),
            ...(dataset.signedBy ? { '401': signatureRejected } : {}),
            ...requestKeyResponses,
            '413': errorResponse('The body is larger than INGEST_MAX_BODY_BYTES'),
            '415': errorResponse('Content-Type is not application/json'),
        },
    };
}

/** POST /api/datasets/{dataset}/tables/{table}/rows, documented once per configured table with its row schema. */
export const ingestRowsRoute: HttpRoute = {
    functionName: 'ingestRows',
    methods: ['POST'],
    route: 'datasets/{dataset}/tables/{table}/rows',
    paths: (config) =>
        Object.fromEntries(
            config.datasets.flatMap((dataset) =>
                dataset.tables.map((table) => [
                    `/datasets/${encodeURIComponent(dataset.name)}/tables/${encodeURIComponent(table.name)}/rows`,
                    { post: ingestOperation(dataset, table) },
                ]),
            ),
        ),
};
