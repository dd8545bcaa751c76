import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../../emulator';

export interface ApiResponse {
    status: number;
    headers: Headers;
    // Tests inspect answers ad hoc (and check shapes with the zod schemas where it matters).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    body: any;
    text: string;
}

export interface ApiClient {
    call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
    get(path: string): Promise<ApiResponse>;
    post(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
    put(path: string, body?: unknown): Promise<ApiResponse>;
    delete(path: string): Promise<ApiResponse>;
}

/** A bare HTTP client: JSON bodies, the given bearer token (or none), parsed answers. */
export function apiClient(baseUrl: string, tokenSource?: string | (() => Promise<string>)): ApiClient {
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const token = typeof tokenSource === 'function' ? await tokenSource() : tokenSource;
        const response = await fetch(`${baseUrl}${path}`, {
            method,
            headers: {
                ...(token ? { authorization: `Bearer ${token}` } : {}),
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
                ...headers,
            },
            ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        let parsed: unknown;
        try {
            parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
            parsed = undefined;
        }
        return { status: response.status, headers: response.headers, body: parsed, text };
    };
    return {
        call,
        get: (path) => call('GET', path),
        post: (path, body, headers) => call('POST', path, body, headers),
        put: (path, body) => call('PUT', path, body),
        delete: (path) => call('DELETE', path),
    };
}

export const adminPrincipal = 'a0000000-0000-4000-8000-00000000ad01';
export const viewerPrincipal = 'a0000000-0000-4000-8000-0000000000e1';
export const outsiderPrincipal = 'a0000000-0000-4000-8000-0000000000f1';

export interface TestBed {
    emulator: RunningEmulator;
    workspaceId: string;
    /** Client authenticated as a workspace Admin (service principal), with a fresh token per call. */
    api: ApiClient;
    group: string;
    tokenFor(principalId: string, kind?: 'app' | 'user'): Promise<string>;
    clientFor(principalId: string, kind?: 'app' | 'user'): Promise<ApiClient>;
}

/** Starts an emulator (frozen clock) with one workspace: an Admin and a Viewer service principal. */
export async function startTestBed(options: EmulatorOptions = {}): Promise<TestBed> {
    const emulator = await startEmulator({ frozenClock: true, startTime: '2025-01-06T09:00:00.000Z', ...options });
    const { id: workspaceId } = await emulator.createWorkspace({
        name: 'Sales',
        members: [
            { principalId: adminPrincipal, role: 'Admin' },
            { principalId: viewerPrincipal, role: 'Viewer' },
        ],
    });
    const tokenFor = async (principalId: string, kind: 'app' | 'user' = 'app') =>
        (await emulator.issueToken({ principalId, kind })).access_token;
    const clientFor = async (principalId: string, kind: 'app' | 'user' = 'app') =>
        apiClient(emulator.url, await tokenFor(principalId, kind));
    return {
        emulator,
        workspaceId,
        api: apiClient(emulator.url, () => tokenFor(adminPrincipal)),
        group: `/v1.0/myorg/groups/${workspaceId}`,
        tokenFor,
        clientFor,
    };
}

/** The spec's PostDataset example (SalesMarketing / Product). */
export const salesMarketing = {
    name: 'SalesMarketing',
    defaultMode: 'Push',
    tables: [
        {
            name: 'Product',
            columns: [
                { name: 'ProductID', dataType: 'Int64' },
                { name: 'Name', dataType: 'string' },
                { name: 'Category', dataType: 'string' },
                { name: 'IsCompete', dataType: 'bool' },
                { name: 'ManufacturedOn', dataType: 'DateTime' },
                { name: 'Sales', dataType: 'Int64', formatString: 'Currency' },
            ],
        },
    ],
};

export const productRow = (id: number) => ({
    ProductID: id,
    Name: `Product ${id}`,
    Category: 'Components',
    IsCompete: true,
    ManufacturedOn: '07/30/2014',
});

export async function createSalesDataset(bed: TestBed, policy: 'None' | 'basicFIFO' = 'basicFIFO'): Promise<string> {
    const response = await bed.api.post(`${bed.group}/datasets?defaultRetentionPolicy=${policy}`, salesMarketing);
    if (response.status !== 201) throw new Error(`create dataset failed: ${response.status} ${response.text}`);
    return response.body.id as string;
}
