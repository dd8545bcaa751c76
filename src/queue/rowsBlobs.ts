import type { BlobServiceClient } from '@azure/storage-blob';
import { z } from 'zod';
import type { Row } from './row';
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

/** A message's rows, inline or from its claim-check blob, or why they cannot be pushed. */
export async function readMessageRows(
    message: { rows?: Row[]; blob?: string; rowCount: number },
    blobs: RowsBlobs,
): Promise<{ kind: 'rows'; rows: Row[] } | { kind: 'missing'; reason: string }> {
    const rows = message.rows ?? (message.blob ? await blobs.get(message.blob) : undefined);
    if (!rows)
        return {
            kind: 'missing',
            reason: `The claim-check blob ${message.blob} is missing; its rows cannot be pushed`,
        };
    if (rows.length !== message.rowCount)
        return { kind: 'missing', reason: `The message announces ${message.rowCount} rows but carries ${rows.length}` };
    return { kind: 'rows', rows };
}
