import {
    createHttpHeaders,
    type HttpClient,
    type PipelineRequest,
    type PipelineResponse,
} from '@azure/core-rest-pipeline';

export interface StubReply {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}

export interface StubCall {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: unknown;
    /** The body as sent, where JSON.parse (`body`) would round a number. */
    text?: string;
}

/**
 * The Azure SDK pipeline's transport seam: records each request and answers from `reply` (an Error is
 * thrown as the transport would throw it).
 */
export function stubHttpClient(reply: (call: StubCall) => StubReply | Error): HttpClient & { calls: StubCall[] } {
    const calls: StubCall[] = [];
    return {
        calls,
        async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
            const call: StubCall = {
                method: request.method,
                url: request.url,
                headers: request.headers.toJSON(),
                body: typeof request.body === 'string' ? JSON.parse(request.body) : undefined,
                text: typeof request.body === 'string' ? request.body : undefined,
            };
            calls.push(call);
            const answer = reply(call);
            if (answer instanceof Error) throw answer;
            const text =
                answer.body === undefined
                    ? ''
                    : typeof answer.body === 'string'
                      ? answer.body
                      : JSON.stringify(answer.body);
            return { request, status: answer.status, headers: createHttpHeaders(answer.headers), bodyAsText: text };
        },
    };
}
