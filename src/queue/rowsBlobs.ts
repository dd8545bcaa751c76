import type { BlobServiceClient } from '@azure/storage-blob';
import { LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import type { PushRow, Row } from './row';
import { ensureOnce } from '../storage/ensureOnce';
import { isStorageStatus } from '../storage/isStorageStatus';

const storedRowsSchema = z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])));

export interface RowsBlobs {
    /** Stores the rows, given as their JSON (the webhook serialises them once, for the queue or for this blob). */
    put(name: string, rowsJson: string): Promise<void>;
    /** The stored rows, or undefined when the blob no longer exists. */
    get(name: string): Promise<Row[] | undefined>;
    delete(name: string): Promise<void>;
}

/** Claim-check storage for ingestions too large for one queue message. */
export function createRowsBlobs(blobService: BlobServiceClient, containerName: string): RowsBlobs {
    const container = blobService.getContainerClient(containerName);
    const ensureContainer = ensureOnce(() => container.createIfNotExists());
    return {
        async put(name, rowsJson) {
            await ensureContainer();
            const body = Buffer.from(rowsJson, 'utf8');
            await container.getBlockBlobClient(name).uploadData(body, {
                blobHTTPHeaders: { blobContentType: 'application/json' },
                conditions: { ifNoneMatch: '*' },
            });
        },
        async get(name) {
            const blob = container.getBlockBlobClient(name);
            try {
                const buffer = await blob.downloadToBuffer();
                return storedRowsSchema.parse(JSON.parse(buffer.toString('utf8')));
            } catch (error) {
                if (isStorageStatus(error, 404)) return undefined;
                throw error;
            }
        },
        async delete(name) {
            await container.getBlockBlobClient(name).deleteIfExists();
        },
    };
}

/** How the ingest writes an exact number: digits, with a point only before fraction digits, no exponent. */
const exactNumberText = /^-?\d+(\.\d+)?$/;

/**
 * The rows with the strings of their exact-number columns as LosslessNumbers, the form Add Rows is written from, or
 * where a string there is not a number.
 */
function withExactNumbers(rows: Row[], exactColumns: readonly string[]): PushRow[] | string {
    const converted: PushRow[] = [];
    for (const [index, row] of rows.entries()) {
        const copy: PushRow = { ...row };
        for (const column of exactColumns) {
            const value = row[column];
            if (typeof value !== 'string') continue;
            if (!exactNumberText.test(value))
                return `Row ${index}'s exact number in column "${column}" is not a number`;
            copy[column] = new LosslessNumber(value);
        }
        converted.push(copy);
    }
    return converted;
}

/**
 * A message's rows, inline or from its claim-check blob (exact numbers as LosslessNumbers, when the message names
 * `exactColumns`), or why they cannot be pushed.
 */
export async function readMessageRows(
    message: { rows?: Row[]; blob?: string; rowCount: number; exactColumns?: readonly string[] },
    blobs: RowsBlobs,
): Promise<{ kind: 'rows'; rows: PushRow[] } | { kind: 'missing'; reason: string }> {
    const rows = message.rows ?? (message.blob ? await blobs.get(message.blob) : undefined);
    if (!rows)
        return {
            kind: 'missing',
            reason: `The claim-check blob ${message.blob} is missing; its rows cannot be pushed`,
        };
    if (rows.length !== message.rowCount)
        return { kind: 'missing', reason: `The message announces ${message.rowCount} rows but carries ${rows.length}` };
    if (!message.exactColumns) return { kind: 'rows', rows };
    const exact = withExactNumbers(rows, message.exactColumns);
    return typeof exact === 'string' ? { kind: 'missing', reason: exact } : { kind: 'rows', rows: exact };
}
