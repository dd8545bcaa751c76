import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Webhook } from 'standardwebhooks';

/**
 * Bad and edge-case requests for the webhook and a source, each with the answers it may get and the rows it commits
 * when accepted. Every row carries the case's marker in `Name` (or `CommitId` for the source), so what reached
 * Power BI can be counted per case afterwards.
 */
export interface InputCase {
    name: string;
    method: string;
    /** Sent as is (not normalised), so dot segments and encoded slashes reach the host. */
    path: string;
    headers: Record<string, string>;
    body?: Uint8Array | (() => AsyncIterable<Uint8Array>);
    expect: readonly number[];
    /** Rows it commits when it is accepted (202). */
    rows: number;
    marker: string;
}

export interface CorpusOptions {
    /** INGEST_MAX_BODY_BYTES of the relay under test. */
    maxBodyBytes: number;
    /** The x-functions-key that opens the ingest routes. */
    senderKey: string;
    /** A Standard Webhooks secret of the `signedDataset`'s sender, and one of a stranger. */
    senderSecret: string;
    strangerSecret: string;
    signedDataset: string;
    /** How many times each generated family repeats with other values (1 for the test, more for the soak). */
    scale: number;
    /** Bytes of the chunked body that is too large (1 GiB in the soak). */
    hugeBodyBytes: number;
}

const rowsPath = (dataset = 'SalesMarketing', table = 'Product') => `/api/datasets/${dataset}/tables/${table}/rows`;
const encode = (text: string) => new TextEncoder().encode(text);
const product = (marker: string, extra: Record<string, unknown> = {}) => ({ ProductID: 1, Name: marker, ...extra });
const addRows = (rows: unknown[]) => JSON.stringify({ rows });

export function inputCorpus(options: CorpusOptions): InputCase[] {
    const cases: InputCase[] = [];
    const json = { 'content-type': 'application/json', 'x-functions-key': options.senderKey };
    let counter = 0;
    const add = (name: string, build: (marker: string) => Omit<InputCase, 'name' | 'marker'>) => {
        const marker = `case-${counter++}`;
        cases.push({ name, marker, ...build(marker) });
    };
    const post = (body: InputCase['body'], expect: number[], rows = 0, headers: Record<string, string> = {}) => ({
        method: 'POST',
        path: rowsPath(),
        headers: { ...json, ...headers },
        body,
        expect,
        rows,
    });

    for (let round = 0; round < options.scale; round++) {
        add('one valid row', (m) => post(encode(addRows([product(m)])), [202], 1));
        add('the last instant Power BI stores', (m) =>
            post(encode(addRows([product(m, { ManufacturedOn: '9999-12-31T23:59:59Z' })])), [202], 1),
        );
        add('the first instant Power BI stores', (m) =>
            post(encode(addRows([product(m, { ManufacturedOn: '0001-01-01T00:00:00Z' })])), [202], 1),
        );
        add('text outside the BMP (a surrogate pair)', (m) =>
            post(encode(addRows([product(m, { Category: '\u{1F600} 漢字' })])), [202], 1),
        );
        add('a NUL escaped inside a string', (m) =>
            post(encode(addRows([product(m, { Category: 'a\u0000b' })])), [202], 1),
        );
        add('gzip', (m) => post(gzipSync(addRows([product(m)])), [202], 1, { 'content-encoding': 'gzip' }));
        add('br', (m) => post(brotliCompressSync(addRows([product(m)])), [202], 1, { 'content-encoding': 'br' }));
        add('deflate', (m) => post(deflateSync(addRows([product(m)])), [202], 1, { 'content-encoding': 'deflate' }));
        add('charset=UTF-8 in capitals', (m) =>
            post(encode(addRows([product(m)])), [202], 1, { 'content-type': 'application/json; charset=UTF-8' }),
        );
        add('a slow body in five parts', (m) => {
            const text = encode(addRows([product(m)]));
            return post(
                async function* slow() {
                    for (let i = 0; i < 5; i++) {
                        await new Promise((resolve) => setTimeout(resolve, 20));
                        yield text.subarray((i * text.length) / 5, ((i + 1) * text.length) / 5);
                    }
                },
                [202],
                1,
            );
        });

        // Truncated JSON: every prefix of a valid body is invalid.
        const whole = addRows([product(`trunc-${round}`, { Category: 'c', IsCompete: true })]);
        for (let cut = 1; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / 12))) {
            add(`JSON cut at ${cut} of ${whole.length}`, () => post(encode(whole.slice(0, cut)), [400]));
        }
        for (const [label, text] of [
            ['no body', ''],
            ['a bare number', '42'],
            ['a JSON string', '"rows"'],
            ['rows not an array', '{"rows":{}}'],
            ['an extra property', '{"rows":[],"x":1}'],
            ['empty rows', '{"rows":[]}'],
            ['a trailing comma', '{"rows":[{"ProductID":1,"Name":"x"},]}'],
            ['single quotes', "{'rows':[]}"],
            ['a raw NUL byte', '{"rows":[{"ProductID":1,"Name":"a\u0000"}]}'],
            ['a raw control character', '{"rows":[{"ProductID":1,"Name":"a\u0001"}]}'],
            ['NaN', '{"rows":[{"ProductID":NaN,"Name":"x"}]}'],
            ['a number too large for a double', '{"rows":[{"ProductID":1e400,"Name":"x"}]}'],
            ['a comment', '{"rows":[] /* x */}'],
            [
                'ProductID Int64.MaxValue, which Power BI refuses',
                '{"rows":[{"ProductID":9223372036854775807,"Name":"x"}]}',
            ],
        ] as const) {
            add(label, () => post(encode(text), [400]));
        }
        add('bytes that are not UTF-8', () => post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), [400]));
        add('a UTF-16 body', () => post(Buffer.from(addRows([product('x')]), 'utf16le'), [400]));

        for (const [label, extra] of [
            ['ProductID as a string', { ProductID: '1' }],
            ['ProductID with a fraction', { ProductID: 1.5 }],
            ['ProductID beyond Int64 (2^64)', { ProductID: 2 ** 64 }],
            ['ProductID null (required)', { ProductID: null }],
            ['ProductID an object', { ProductID: {} }],
            ['Name a number', { Name: 5 }],
            ['IsCompete "yes"', { IsCompete: 'yes' }],
            ['a 4,001-character string', { Category: 'x'.repeat(4001) }],
            ['a lone high surrogate', { Category: 'a\uD800b' }],
            ['a lone low surrogate', { Category: '\uDC00' }],
            ['a date past 9999 once in UTC', { ManufacturedOn: '9999-12-31T23:59:59-01:00' }],
            ['a date before 0001 once in UTC', { ManufacturedOn: '0001-01-01T00:30:00+01:00' }],
            ['year 0', { ManufacturedOn: '0000-06-01' }],
            ['February 30', { ManufacturedOn: '2024-02-30' }],
            ['24:00', { ManufacturedOn: '2024-01-01T24:00:00Z' }],
            ['an unknown column with a 16,000-character name', { ['c'.repeat(16_000)]: 1 }],
        ] as const) {
            add(label, (m) => post(encode(addRows([product(m, extra)])), [400]));
        }
        add('1,000 bad rows with long unknown names', (m) =>
            post(
                encode(addRows(Array.from({ length: 1000 }, (_, i) => product(m, { [`${i}${'n'.repeat(150)}`]: 1 })))),
                [400],
            ),
        );
        add('rows nested 100,000 arrays deep', () =>
            post(encode(`{"rows":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`), [400]),
        );
        add('a value nested 10,000 objects deep', () =>
            post(encode(`{"rows":[{"ProductID":1,"Name":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]}`), [400]),
        );

        // Headers.
        add('text/plain', () => post(encode(addRows([product('x')])), [415], 0, { 'content-type': 'text/plain' }));
        add('no Content-Type', () => ({
            ...post(encode(addRows([product('x')])), [415]),
            headers: { 'x-functions-key': options.senderKey },
        }));
        add('charset=latin1', () =>
            post(encode(addRows([product('x')])), [415], 0, { 'content-type': 'application/json; charset=latin1' }),
        );
        add('Content-Encoding zstd', () =>
            post(encode(addRows([product('x')])), [415], 0, { 'content-encoding': 'zstd' }),
        );
        add('a plain body labelled gzip', () =>
            post(encode(addRows([product('x')])), [400], 0, { 'content-encoding': 'gzip' }),
        );
        add('gzip cut short', () =>
            post(gzipSync(addRows([product('x')])).subarray(0, 12), [400], 0, { 'content-encoding': 'gzip' }),
        );
        add('an Idempotency-Key with a space', () =>
            post(encode(addRows([product('x')])), [400], 0, { 'idempotency-key': 'a b' }),
        );
        add('no key', () => ({
            ...post(encode(addRows([product('x')])), [401]),
            headers: { 'content-type': 'application/json' },
        }));
        add('a wrong key', () =>
            post(encode(addRows([product('x')])), [401], 0, { 'x-functions-key': 'not-the-key-at-all' }),
        );

        // Size.
        add('a chunked body one byte over the limit', () => {
            const body = new Uint8Array(options.maxBodyBytes + 1).fill(32);
            return post(
                async function* chunked() {
                    yield body.subarray(0, 1000);
                    yield body.subarray(1000);
                },
                [413],
            );
        });
        add('a body one byte over the limit (Content-Length)', () =>
            post(new Uint8Array(options.maxBodyBytes + 1).fill(32), [413]),
        );
        add('a gzip bomb (100 MB of spaces)', () =>
            post(gzipSync(Buffer.alloc(100 * 1024 * 1024, 32)), [413], 0, { 'content-encoding': 'gzip' }),
        );
        add('a brotli bomb (100 MB of zeros)', () =>
            post(brotliCompressSync(Buffer.alloc(100 * 1024 * 1024)), [413], 0, { 'content-encoding': 'br' }),
        );

        // Routes and methods.
        for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
            add(`${method} on the rows route`, () => ({ ...post(undefined, [404, 405]), method }));
        }
        for (const path of [
            rowsPath('Nope'),
            rowsPath('SalesMarketing', 'product'),
            '/api/datasets/Sales%2FMarketing/tables/Product/rows',
            `/api/datasets/${'x'.repeat(2000)}/tables/Product/rows`,
            '/api/datasets/%2e%2e/tables/Product/rows',
            '/api/sources/nope',
            '/api/sources/..%2Fadmin',
        ]) {
            add(`POST ${path.slice(0, 60)}`, (m) => ({ ...post(encode(addRows([product(m)])), [400, 404]), path }));
        }
        // Dot segments are resolved before routing (as URL parsers do), so these may land on the rows route itself.
        for (const path of [
            rowsPath('SalesMarketing', 'Product/../Product'),
            '/api/datasets/SalesMarketing/tables/Product/rows/../rows',
            '/api/refreshes/../datasets/SalesMarketing/tables/Product/rows',
        ]) {
            add(`POST ${path}`, (m) => ({ ...post(encode(addRows([product(m)])), [202, 400, 404], 1), path }));
        }

        // Standard Webhooks on the signed dataset.
        const signed = (secret: string, marker: string, at = new Date(), headers: Record<string, string> = {}) => {
            const body = addRows([product(marker)]);
            const id = `msg_${marker}`;
            return {
                ...post(encode(body), [], 0, {
                    'webhook-id': id,
                    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
                    'webhook-signature': new Webhook(secret).sign(id, at, body),
                    ...headers,
                }),
                path: rowsPath(options.signedDataset),
            };
        };
        add('signed by the sender', (m) => ({ ...signed(options.senderSecret, m), expect: [202], rows: 1 }));
        add('signed by a stranger', (m) => ({ ...signed(options.strangerSecret, m), expect: [401] }));
        add('signed 10 minutes ago', (m) => ({
            ...signed(options.senderSecret, m, new Date(Date.now() - 600_000)),
            expect: [401],
        }));
        add('a signature for another body', (m) => ({
            ...signed(options.senderSecret, m, new Date(), { 'webhook-id': `other_${m}` }),
            expect: [401],
        }));
        add('unsigned on the signed dataset', (m) => ({
            ...post(encode(addRows([product(m)])), [401]),
            path: rowsPath(options.signedDataset),
        }));
    }
    add('a chunked body far over the limit', () =>
        post(
            async function* huge() {
                const chunk = new Uint8Array(1024 * 1024).fill(32);
                for (let sent = 0; sent < options.hugeBodyBytes; sent += chunk.length) yield chunk;
            },
            [413],
        ),
    );
    return cases;
}

export interface CaseAnswer {
    status: number;
    body: string;
}

/** Sends one case over a plain HTTP/1.1 connection (no path normalisation); a body stream is sent chunked. */
export function sendCase(baseUrl: string, input: InputCase): Promise<CaseAnswer> {
    return new Promise((resolve, reject) => {
        const req = httpRequest(new URL(baseUrl), {
            method: input.method,
            path: input.path,
            headers: input.headers,
            agent: false,
        });
        req.on('response', (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
            // The answer is in; stop sending what is left of a body the host refused.
            req.on('error', () => undefined);
        });
        req.on('error', reject);
        const { body } = input;
        if (body === undefined) {
            req.end();
        } else if (body instanceof Uint8Array) {
            req.end(body);
        } else {
            void (async () => {
                for await (const chunk of body()) {
                    if (req.destroyed || req.writableEnded) return;
                    if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
                }
                req.end();
            })().catch(reject);
        }
    });
}
