/** The parts of an OpenAPI 3.1 document the exchange runner reads (the document itself is validated separately). */
interface Examples {
    [name: string]: { value: unknown };
}
interface Parameter {
    name: string;
    in: 'path' | 'query' | 'header';
    examples?: Examples;
}
interface Response {
    headers?: Record<string, { examples?: Examples }>;
    content?: Record<string, { schema: unknown; examples?: Examples }>;
}
interface Operation {
    parameters?: Parameter[];
    requestBody?: { content: Record<string, { examples?: Examples }> };
    responses: Record<string, Response>;
}
export interface OpenApiDocument {
    paths: Record<string, Record<string, Operation>>;
}

/** One documented exchange: a request built from the examples of one name, and the response that names it. */
export interface Exchange {
    label: string;
    method: string;
    /** Below the server URL (/api), with path parameters filled in and the query string. */
    url: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
    /** JSON pointer (in the document) of the response body's schema; absent for a response without a body. */
    schemaPointer?: string;
    /** The documented error code, when the example is an error body. */
    errorCode?: string;
    /** Response headers the example documents. */
    responseHeaders: Record<string, string>;
}

const pointerPart = (text: string) => text.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every exchange the document's examples describe, by the convention of src/openapi/toOpenApiDocument.ts. */
export function documentedExchanges(document: OpenApiDocument): Exchange[] {
    const exchanges: Exchange[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(item)) {
            for (const [statusText, response] of Object.entries(operation.responses)) {
                const names = new Set([
                    ...Object.values(response.content ?? {}).flatMap((media) => Object.keys(media.examples ?? {})),
                    ...Object.values(response.headers ?? {}).flatMap((header) => Object.keys(header.examples ?? {})),
                ]);
                for (const name of names) {
                    exchanges.push(toExchange(path, method, operation, statusText, response, name));
                }
            }
        }
    }
    return exchanges;
}

function toExchange(
    path: string,
    method: string,
    operation: Operation,
    statusText: string,
    response: Response,
    name: string,
): Exchange {
    let url = path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    for (const parameter of operation.parameters ?? []) {
        const value = parameter.examples?.[name]?.value;
        if (value === undefined) continue;
        if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(value)));
        else if (parameter.in === 'query') query.set(parameter.name, String(value));
        else headers[parameter.name] = String(value);
    }
    if (/\{[^}]+\}/.test(url)) throw new Error(`example "${name}" of ${method} ${path} leaves a path parameter open`);
    let body: string | undefined;
    for (const [contentType, media] of Object.entries(operation.requestBody?.content ?? {})) {
        const example = media.examples?.[name];
        if (example === undefined) continue;
        headers['Content-Type'] = contentType;
        body = JSON.stringify(example.value);
    }
    const json = response.content?.['application/json'];
    const documented = json?.examples?.[name]?.value as { error?: { code?: string } } | undefined;
    const responseHeaders: Record<string, string> = {};
    for (const [header, spec] of Object.entries(response.headers ?? {})) {
        const value = spec.examples?.[name]?.value;
        if (value !== undefined) responseHeaders[header] = String(value);
    }
    return {
        label: `${method.toUpperCase()} ${path} ${name} -> ${statusText}`,
        method: method.toUpperCase(),
        url: `${url}${query.size > 0 ? `?${query}` : ''}`,
        headers,
        body,
        status: Number(statusText),
        schemaPointer: json
            ? `#/paths/${pointerPart(path)}/${method}/responses/${statusText}/content/application~1json/schema`
            : undefined,
        errorCode: documented?.error?.code,
        responseHeaders,
    };
}
