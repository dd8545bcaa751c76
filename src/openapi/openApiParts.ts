import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;
export type HttpMethod = 'get' | 'post' | 'options';

/** Named examples. A response example and the request examples (parameters, body) of one name belong together. */
export type Examples = Record<string, { summary?: string; value: unknown }>;

export interface MediaType {
    schema: JsonSchema;
    examples?: Examples;
}

export interface Parameter {
    name: string;
    in: 'path' | 'query' | 'header';
    required?: boolean;
    description?: string;
    schema: JsonSchema;
    examples?: Examples;
}

export interface Response {
    description: string;
    /** A header's examples name the request examples that answer with it. */
    headers?: Record<string, { description: string; schema: JsonSchema; examples?: Examples }>;
    content?: Record<string, MediaType>;
}

export interface Operation {
    operationId: string;
    summary: string;
    description?: string;
    tags: string[];
    parameters?: Parameter[];
    requestBody?: { required: boolean; description?: string; content: Record<string, MediaType> };
    responses: Record<string, Response>;
}

export type PathItem = Partial<Record<HttpMethod, Operation>>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema; `input` for what a caller sends. */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    // OpenAPI 3.1's default dialect is JSON Schema 2020-12, zod's target, so $schema adds nothing.
    const jsonSchema: JsonSchema = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
    delete jsonSchema.$schema;
    return jsonSchema;
}

export const componentRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export function jsonContent(schema: JsonSchema, examples?: Examples): Record<string, MediaType> {
    return { 'application/json': { schema, ...(examples && Object.keys(examples).length > 0 ? { examples } : {}) } };
}

/** An error answer (ErrorBody); `examples` names the error code each example gets. */
export function errorResponse(description: string, examples: Record<string, [code: string, message: string]> = {}) {
    const values: Examples = Object.fromEntries(
        Object.entries(examples).map(([name, [code, message]]) => [name, { value: { error: { code, message } } }]),
    );
    return { description, content: jsonContent(componentRef('ErrorBody'), values) };
}

export const retryAfterHeader = {
    'Retry-After': { description: 'Seconds to wait before sending again', schema: { type: 'integer' } },
};

/**
 * The query parameters of a zod object schema (the one the function validates the query with), each with
 * the examples that set it: `examples[name][key]` is the value of parameter `key` in example `name`.
 */
export function queryParameters(
    schema: z.ZodObject,
    examples: Record<string, Record<string, string | number>> = {},
): Parameter[] {
    return Object.entries(schema.shape).map(([name, field]) => {
        const jsonSchema = toJsonSchema(field as z.ZodType, 'input');
        const { description, ...rest } = jsonSchema;
        const parameterExamples: Examples = Object.fromEntries(
            Object.entries(examples).flatMap(([example, values]) =>
                values[name] === undefined ? [] : [[example, { value: values[name] }]],
            ),
        );
        return {
            name,
            in: 'query' as const,
            required: !(field as z.ZodType).safeParse(undefined).success,
            ...(typeof description === 'string' ? { description } : {}),
            schema: rest,
            ...(Object.keys(parameterExamples).length > 0 ? { examples: parameterExamples } : {}),
        };
    });
}
