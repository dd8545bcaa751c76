import { gzipSync } from 'node:zlib';
import { startEmulator, type RunningEmulator } from '../../../emulator';
import {
    kustoAudience,
    startKustoEmulator,
    type KustoEmulatorOptions,
    type RunningKustoEmulator,
} from '../../../kusto-emulator';

export interface KustoResponse {
    status: number;
    headers: Headers;
    // Tests inspect answers ad hoc (shapes are asserted field by field).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
    text: string;
}

/** The managed identity of the relay (client id) and its object id, as the Power BI emulator issues them. */
export const relayClientId = 'c1000000-0000-4000-8000-00000000c11e';
export const adminClientId = 'c2000000-0000-4000-8000-0000000ad111';
export const viewerClientId = 'c3000000-0000-4000-8000-000000000e11';
export const tenantId = '00000000-0000-0000-0000-00000000e3e1';

export const fqn = (clientId: string) => `aadapp=${clientId};${tenantId}`;
/** The object id (oid) the test bed's tokens carry for a client id: a different GUID, as in Entra ID. */
export const objectIdOf = (clientId: string) => `d${clientId.slice(1)}`;

export interface KustoClient {
    mgmt(db: string, csl: string): Promise<KustoResponse>;
    query(db: string, csl: string, version?: 'v1' | 'v2'): Promise<KustoResponse>;
    ingest(
        db: string,
        table: string,
        body: string | Buffer,
        options?: { format?: string; mapping?: string | null; gzip?: boolean; headers?: Record<string, string> },
    ): Promise<KustoResponse>;
    call(
        method: string,
        path: string,
        init?: { body?: string | Buffer; headers?: Record<string, string> },
    ): Promise<KustoResponse>;
}

async function toResponse(response: Response): Promise<KustoResponse> {
    const text = await response.text();
    let body: unknown;
    try {
        body = text === '' ? undefined : JSON.parse(text);
    } catch {
        body = undefined;
    }
    return { status: response.status, headers: response.headers, body, text };
}

/** A bare HTTP client for the emulator with the given bearer token (or none). */
export function kustoClient(baseUrl: string, token?: string): KustoClient {
    const call: KustoClient['call'] = async (method, path, init = {}) =>
        toResponse(
            await fetch(`${baseUrl}${path}`, {
                method,
                headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
                ...(init.body !== undefined ? { body: init.body } : {}),
            }),
        );
    const csl = (path: string, db: string, text: string) =>
        call('POST', path, {
            body: JSON.stringify({ db, csl: text }),
            headers: { 'content-type': 'application/json; charset=utf-8' },
        });
    return {
        call,
        mgmt: (db, text) => csl('/v1/rest/mgmt', db, text),
        query: (db, text, version = 'v1') => csl(`/${version}/rest/query`, db, text),
        ingest: (db, table, body, options = {}) => {
            const params = new URLSearchParams({ streamFormat: options.format ?? 'multijson' });
            const mapping = options.mapping === undefined ? `${table}_mapping` : options.mapping;
            if (mapping !== null) params.set('mappingName', mapping);
            const payload = options.gzip ? gzipSync(body) : body;
            return call('POST', `/v1/rest/ingest/${encodeURIComponent(db)}/${encodeURIComponent(table)}?${params}`, {
                body: payload,
                headers: {
                    'content-type': 'application/octet-stream',
                    ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
                    ...options.headers,
                },
            });
        },
    };
}

export interface KustoTestBed {
    powerBi: RunningEmulator;
    kusto: RunningKustoEmulator;
    /** A Kusto token from the Power BI emulator for a client id (appid), with the oid `objectIdOf(clientId)`. */
    tokenFor(clientId: string, options?: { audience?: string; expiresInSeconds?: number }): Promise<string>;
    clientFor(clientId: string, options?: { audience?: string; expiresInSeconds?: number }): Promise<KustoClient>;
    admin: KustoClient;
    close(): Promise<void>;
}

/**
 * A Power BI emulator (frozen clock, the token issuer) and a Kusto emulator that trusts its tokens and reads its
 * clock, with one database `db` whose Admin, Ingestor and Viewer are the three client ids above.
 */
export async function startKustoTestBed(db: string, options: KustoEmulatorOptions = {}): Promise<KustoTestBed> {
    const powerBi = await startEmulator({ frozenClock: true, startTime: '2026-12-02T09:00:00.000Z' });
    const kusto = await startKustoEmulator({
        tokenSigningKey: powerBi.tokenSigningKey,
        now: () => powerBi.clock.now(),
        ...options,
    });
    await kusto.createDatabase({
        name: db,
        admins: [fqn(adminClientId)],
        ingestors: [fqn(relayClientId)],
        viewers: [fqn(viewerClientId)],
    });
    const tokenFor: KustoTestBed['tokenFor'] = async (clientId, tokenOptions = {}) =>
        (
            await powerBi.issueToken({
                principalId: objectIdOf(clientId),
                clientId,
                audience: tokenOptions.audience ?? kustoAudience,
                ...(tokenOptions.expiresInSeconds !== undefined
                    ? { expiresInSeconds: tokenOptions.expiresInSeconds }
                    : {}),
            })
        ).access_token;
    const clientFor: KustoTestBed['clientFor'] = async (clientId, tokenOptions) =>
        kustoClient(kusto.url, await tokenFor(clientId, tokenOptions));
    return {
        powerBi,
        kusto,
        tokenFor,
        clientFor,
        admin: await clientFor(adminClientId),
        close: async () => {
            await kusto.close();
            await powerBi.close();
        },
    };
}

/** The relay's Product table (EventId first) and its JSON mapping, as the setup script creates them. */
export const productColumns = [
    ['EventId', 'string'],
    ['ProductID', 'long'],
    ['Name', 'string'],
    ['IsCompete', 'bool'],
    ['ManufacturedOn', 'datetime'],
] as const;

export async function createProductTable(admin: KustoClient, db: string, table = 'Product'): Promise<void> {
    const columns = productColumns.map(([name, type]) => `${name}:${type}`).join(', ');
    const created = await admin.mgmt(db, `.create-merge table ${table} (${columns})`);
    if (created.status !== 200) throw new Error(`create table: ${created.status} ${created.text}`);
    const mapping = JSON.stringify(
        productColumns.map(([name, type]) => ({ column: name, path: `$.${name}`, datatype: type })),
    );
    const mapped = await admin.mgmt(
        db,
        `.create-or-alter table ${table} ingestion json mapping '${table}_mapping' '${mapping}'`,
    );
    if (mapped.status !== 200) throw new Error(`create mapping: ${mapped.status} ${mapped.text}`);
}

export const productRecord = (eventId: string, id = 1) => ({
    EventId: eventId,
    ProductID: id,
    Name: `Product ${id}`,
    IsCompete: true,
    ManufacturedOn: '2014-07-30T00:00:00Z',
});

/** The value of `T | count`-like answers (v1 primary table, one row, one column). */
export function countOf(response: KustoResponse): number {
    if (response.status !== 200) throw new Error(`query failed: ${response.status} ${response.text}`);
    return response.body.Tables[0].Rows[0][0] as number;
}
