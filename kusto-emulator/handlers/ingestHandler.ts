import { authenticateKusto, kustoAudiences } from '../auth/authenticateKusto';
import { authorizeDatabase } from '../auth/authorizeDatabase';
import { kustoErrors } from '../errors/kustoErrors';
import type { PreparedCall } from '../http/PreparedCall';
import { maxStreamingBytes, readKustoBody } from '../http/readKustoBody';
import type { KustoRequestContext } from '../http/KustoRequestContext';
import { applyMapping } from '../ingest/applyMapping';
import { parseRecords, type JsonFormat } from '../ingest/parseRecords';
import type { KustoRuntime } from '../KustoRuntime';
import { toV1Body } from '../results/ResultTable';

/** Documented values of streamFormat (case-insensitive); the emulator ingests the JSON ones. */
const documentedFormats = ['csv', 'tsv', 'scsv', 'sohsv', 'psv', 'json', 'multijson', 'avro'];
const formatsNeedingMapping = ['json', 'multijson', 'avro'];
const knownParameters = ['streamFormat', 'mappingName'];

/**
 * POST /v1/rest/ingest/{database}/{table}?streamFormat=json|multijson&mappingName=M: streaming ingestion. The rows
 * are committed at once, stamped with ingestion_time(), and the answer is the v1 table the SDK fixtures show.
 */
export async function prepareIngest(
    runtime: KustoRuntime,
    context: KustoRequestContext,
    databaseName: string,
    tableName: string,
): Promise<PreparedCall> {
    const query = context.url.searchParams;
    const unknown = [...query.keys()].filter((key) => !knownParameters.includes(key));
    if (unknown.length > 0) {
        throw kustoErrors.badRequest(
            `Unknown query parameter(s) ${unknown.map((key) => `'${key}'`).join(', ')}; streaming ingestion takes streamFormat and mappingName.`,
        );
    }
    const format = (query.get('streamFormat') ?? '').toLowerCase();
    if (format === '') throw kustoErrors.badRequest('The streamFormat query parameter is required.');
    if (!documentedFormats.includes(format)) {
        throw kustoErrors.badRequest(
            `streamFormat '${query.get('streamFormat')}' is not one of CSV, TSV, SCsv, SOHsv, PSV, JSON, MultiJSON, Avro.`,
        );
    }
    const mappingName = query.get('mappingName') ?? '';
    if (formatsNeedingMapping.includes(format) && mappingName === '') {
        throw kustoErrors.missingMappingName(query.get('streamFormat') ?? format);
    }
    if (format !== 'json' && format !== 'multijson') {
        throw kustoErrors.badRequest(
            `streamFormat '${query.get('streamFormat')}' is documented but not emulated (JSON and MultiJSON are).`,
        );
    }
    const body = await readKustoBody(context.request, maxStreamingBytes);
    return {
        operation: 'ingest',
        database: databaseName,
        table: tableName,
        execute: () => {
            const caller = authenticateKusto(runtime, context, kustoAudiences(runtime));
            const database = runtime.store.database(databaseName);
            if (!database) throw kustoErrors.ingestTargetNotFound('Database', databaseName);
            authorizeDatabase(runtime, caller, database, 'ingest');
            const table = runtime.store.table(database, tableName);
            if (!table) throw kustoErrors.ingestTargetNotFound('Table', `${databaseName}.${tableName}`);
            const mapping = table.mappings.find((candidate) => candidate.name === mappingName);
            if (!mapping) throw kustoErrors.mappingNotFound(mappingName, 'Json', databaseName, tableName);
            const records = parseRecords(format as JsonFormat, body.toString('utf8'));
            context.log.records = records.length;
            const rows = applyMapping(table, mapping, records);
            const ingestionTime = runtime.now().toISOString();
            for (const values of rows) table.rows.push({ values, ingestionTime });
            runtime.logger.info('rows ingested', { database: databaseName, table: tableName, rows: rows.length });
            return {
                status: 200,
                body: toV1Body([
                    {
                        columns: [
                            { name: 'ConsumedRecordsCount', type: 'long' },
                            { name: 'UpdatePolicyStatus', type: 'string' },
                            { name: 'UpdatePolicyFailureCode', type: 'string' },
                            { name: 'UpdatePolicyFailureReason', type: 'string' },
                        ],
                        rows: [[rows.length, 'Inactive', 'Unknown', null]],
                    },
                ]),
            };
        },
    };
}
