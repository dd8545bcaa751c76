import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { createQueueServiceClient } from './storageConnection';

/**
 * Queue clients per (connection, queue), each queue created on first use as the Storage extension
 * does for trigger, output and poison queues.
 */
export class QueueClients {
    readonly #settings: Readonly<Record<string, string | undefined>>;
    readonly #services = new Map<string, Promise<QueueServiceClient>>();
    readonly #queues = new Map<string, Promise<QueueClient>>();

    constructor(settings: Readonly<Record<string, string | undefined>>) {
        this.#settings = settings;
    }

    get(connection: string | undefined, queueName: string): Promise<QueueClient> {
        const key = `${connection ?? ''}\n${queueName}`;
        let queue = this.#queues.get(key);
        if (!queue) {
            queue = this.#create(connection, queueName);
            this.#queues.set(key, queue);
            // A failed creation (storage down) is retried on the next use rather than cached.
            queue.catch(() => this.#queues.delete(key));
        }
        return queue;
    }

    async #create(connection: string | undefined, queueName: string): Promise<QueueClient> {
        const serviceKey = connection ?? '';
        let service = this.#services.get(serviceKey);
        if (!service) {
            service = createQueueServiceClient(connection, this.#settings);
            this.#services.set(serviceKey, service);
        }
        const queue = (await service).getQueueClient(queueName);
        await queue.createIfNotExists();
        return queue;
    }
}

/** True for the errors that mean "the message is gone or its pop receipt changed". */
export function isMessageGoneError(error: unknown): boolean {
    const status = (error as { statusCode?: number } | undefined)?.statusCode;
    const code = (error as { code?: string } | undefined)?.code;
    return status === 404 || code === 'PopReceiptMismatch' || code === 'MessageNotFound';
}
