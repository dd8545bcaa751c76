import type { RpcInvocationResponse, RpcTypedData } from './coreTypes';
import type { RegisteredFunction } from './localWorker';
import type { QueueClients } from './queueClients';
import { encodeQueueMessage, type QueueMessageEncoding } from './queueMessageEncoding';

export interface QueueOutputBinding {
    bindingName: string;
    queueName: string;
    connection: string | undefined;
}

export const returnBindingName = '$return';

/**
 * Sends a successful invocation's `output.storageQueue` values, after the function returns as the
 * host does. An array becomes one message per element; objects are sent as JSON, strings and bytes as
 * they are.
 */
export class QueueOutputSender {
    readonly #clients: QueueClients;
    readonly #encoding: QueueMessageEncoding;
    readonly #onSent: (queueName: string) => void;

    constructor(clients: QueueClients, encoding: QueueMessageEncoding, onSent: (queueName: string) => void) {
        this.#clients = clients;
        this.#encoding = encoding;
        this.#onSent = onSent;
    }

    async send(outputs: readonly QueueOutputBinding[], response: RpcInvocationResponse): Promise<void> {
        for (const output of outputs) {
            const data =
                output.bindingName === returnBindingName
                    ? response.returnValue
                    : response.outputData?.find((o) => o.name === output.bindingName)?.data;
            const messages = toQueueMessages(data);
            if (messages.length === 0) {
                continue;
            }
            const queue = await this.#clients.get(output.connection, output.queueName);
            for (const message of messages) {
                await queue.sendMessage(encodeQueueMessage(message, this.#encoding));
            }
            this.#onSent(output.queueName);
        }
    }
}

export function toQueueMessages(data: RpcTypedData | null | undefined): (string | Uint8Array)[] {
    if (!data) {
        return [];
    }
    if (data.string !== undefined && data.string !== null) {
        return [data.string];
    }
    if (data.bytes) {
        return [data.bytes];
    }
    if (data.int !== undefined && data.int !== null) {
        return [String(data.int)];
    }
    if (data.double !== undefined && data.double !== null) {
        return [String(data.double)];
    }
    if (data.json !== undefined && data.json !== null) {
        const value: unknown = JSON.parse(data.json);
        const values = Array.isArray(value) ? value : [value];
        return values
            .filter((v) => v !== null && v !== undefined)
            .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
    }
    return [];
}

export function findQueueOutputs(
    fn: RegisteredFunction,
    resolveQueueName: (name: string) => string,
): QueueOutputBinding[] {
    return Object.entries(fn.metadata.bindings)
        .filter(([, b]) => b.direction === 'out' && b.type?.toLowerCase() === 'queue')
        .map(([bindingName, b]) => ({
            bindingName,
            queueName: resolveQueueName(String(b.queueName)),
            connection: typeof b.connection === 'string' ? b.connection : undefined,
        }));
}
