import { z } from 'zod';
import { kustoErrors } from '../errors/kustoErrors';
import type { KustoRequestContext } from '../http/KustoRequestContext';
import { readKustoBody } from '../http/readKustoBody';

/** Body of /v1/rest/mgmt, /v1/rest/query and /v2/rest/query, as the Kusto SDKs send it. */
export const cslRequestSchema = z.strictObject({
    db: z.string().min(1),
    csl: z.string().min(1),
    /** ClientRequestProperties: a JSON object, or the same as a JSON string (older clients). */
    properties: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
export type CslRequest = z.infer<typeof cslRequestSchema>;

const maxCslBodyBytes = 4 * 1024 * 1024;

export async function parseCslRequest(context: KustoRequestContext): Promise<CslRequest> {
    const contentType = context.request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) {
        context.request.resume();
        throw kustoErrors.unsupportedMediaType(contentType);
    }
    const raw = (await readKustoBody(context.request, maxCslBodyBytes)).toString('utf8');
    let json: unknown;
    try {
        json = JSON.parse(raw);
    } catch (error) {
        throw kustoErrors.badRequest(`The request body is not JSON: ${(error as Error).message}`);
    }
    const parsed = cslRequestSchema.safeParse(json);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw kustoErrors.badRequest(
            `The request body must be {"db","csl","properties"?}: ${issue?.message ?? 'invalid'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}.`,
        );
    }
    if (typeof parsed.data.properties === 'string') {
        try {
            JSON.parse(parsed.data.properties);
        } catch {
            throw kustoErrors.badRequest('properties, given as a string, must hold JSON.');
        }
    }
    context.log.csl = parsed.data.csl.slice(0, 1000);
    return parsed.data;
}
