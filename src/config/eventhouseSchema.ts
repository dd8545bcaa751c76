import { z } from 'zod';
import { isHttpsOrLoopbackUrl } from './isHttpsOrLoopbackUrl';

/** Kusto's entity-name rules: letters, digits, `_`, `-`, `.` and spaces, 1-1024 characters. */
export const kustoNameSchema = z
    .string()
    .regex(/^[\p{L}\p{N}_\-. ]{1,1024}$/u, 'must be 1-1024 letters, digits, _, -, . or spaces (a Kusto entity name)');

export const sinkNames = ['powerBi', 'eventhouse'] as const;
export type SinkName = (typeof sinkNames)[number];

export const sinksSchema = z
    .array(z.enum(sinkNames))
    .min(1)
    .refine((sinks) => new Set(sinks).size === sinks.length, { error: 'must not name a sink twice' })
    .describe(
        'Where the rows go: powerBi (the push dataset), eventhouse (Kusto streaming ingestion), or both (dual-write). Default: ["powerBi"], or ["powerBi", "eventhouse"] when eventhouse is set',
    );

const eventhouseTableSchema = z
    .strictObject({
        table: kustoNameSchema.optional().describe('The Kusto table; defaults to the Power BI table name'),
        mapping: kustoNameSchema.optional().describe('The JSON ingestion mapping; defaults to <table>_json'),
        view: kustoNameSchema
            .optional()
            .describe('The deduplicating materialized view Power BI reads; defaults to <table>_dedup'),
    })
    .describe('Kusto names for one Power BI table');

export const eventhouseSchema = z
    .strictObject({
        queryServiceUri: z
            .url()
            .refine(isHttpsOrLoopbackUrl, {
                error: 'must be https (http only for the local Kusto emulator on a loopback address)',
            })
            .optional()
            .describe("The Eventhouse's query service URI; defaults to the EVENTHOUSE_QUERY_SERVICE_URI app setting"),
        database: kustoNameSchema.describe('The KQL database'),
        tables: z
            .record(z.string(), eventhouseTableSchema)
            .default({})
            .describe('Per Power BI table name: the Kusto table, mapping and view names (all optional)'),
    })
    .describe('A Fabric Eventhouse (KQL database) the dataset is delivered to by streaming ingestion');

export type EventhouseConfig = z.infer<typeof eventhouseSchema>;
