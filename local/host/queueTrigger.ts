import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { RpcTypedData } from './coreTypes';
import { minimumPollingIntervalMs, type QueueOptions } from './hostOptions';
import { InvocationTracker } from './invocationTracker';
import { logExecuted } from './logExecuted';
import { describeError, type LocalWorker, type RegisteredFunction } from './localWorker';
import type { HostLogger } from './logger';
import { isMessageGoneError, type QueueClients } from './queueClients';
import { decodeQueueMessage } from './queueMessageEncoding';
import type { QueueOutputBinding, QueueOutputSender } from './queueOutputs';

export interface QueueTriggerOptions {
    fn: RegisteredFunction;
    triggerName: string;
    queueName: string;
    connection: string | undefined;
    queueOptions: QueueOptions;
    worker: LocalWorker;
    clients: QueueClients;
    outputs: readonly QueueOutputBinding[];
    outputSender: QueueOutputSender;
    logger: HostLogger;
    /**
     * How long a received message stays invisible: the host uses 10 minutes and, like it, this host renews the
     * lease at half of it while the invocation runs. A host that dies leaves its messages hidden for up to this long.
     */
    leaseMs?: number;
}

const defaultLeaseMs = 10 * 60_000;
/** Azure Storage queue names are at most 63 characters; no poison queue when the suffix would not fit. */
const maxQueueNameLength = 63;

/**
 * Polls one queue for one function with the Storage extension's semantics (QueueListener.cs,
 * QueueProcessor.cs): batches of `batchSize` processed in parallel, the next batch fetched once
 * in-flight messages drop to `newBatchThreshold`, exponential back-off up to `maxPollingInterval`
 * while the queue is empty, and on failure either a visibility update by `visibilityTimeout` or,
 * once `dequeueCount >= maxDequeueCount`, a copy to `<queue>-poison` and a delete.
 */
export class QueueTriggerListener {
    readonly #options: QueueTriggerOptions;
    readonly #inFlight = new InvocationTracker();
    #queue: QueueClient | undefined;
    #poisonQueueName: string | undefined;
    #running = false;
    #loop: Promise<void> | undefined;
    #wake: (() => void) | undefined;
    /** Cancels the receive in progress when the listener stops, as the host's cancellation token does. */
    readonly #stopping = new AbortController();

    constructor(options: QueueTriggerOptions) {
        this.#options = options;
        const { queueName } = options;
        this.#poisonQueueName =
            queueName.endsWith('-poison') || queueName.length + '-poison'.length > maxQueueNameLength
                ? undefined
                : `${queueName}-poison`;
    }

    get queueName(): string {
        return this.#options.queueName;
    }

    async start(): Promise<void> {
        this.#queue = await this.#options.clients.get(this.#options.connection, this.#options.queueName);
        this.#running = true;
        this.#loop = this.#poll();
    }

    /** Polls again now instead of waiting out the back-off, as the host does when it enqueues to its own trigger queue. */
    notifyNewMessages(): void {
        this.#wake?.();
    }

    async stop(): Promise<void> {
        this.#running = false;
        this.#stopping.abort();
        this.#wake?.();
        await this.#loop;
        await this.#inFlight.drain();
    }

    async #poll(): Promise<void> {
        const { batchSize, newBatchThreshold, maxPollingIntervalMs } = this.#options.queueOptions;
        let delayMs = minimumPollingIntervalMs;
        while (this.#running) {
            if (this.#inFlight.size > newBatchThreshold) {
                await this.#inFlight.waitUntilAtMost(newBatchThreshold);
                continue;
            }
            let messages: DequeuedMessageItem[] = [];
            try {
                const response = await this.#queue!.receiveMessages({
                    numberOfMessages: batchSize,
                    visibilityTimeout: Math.ceil((this.#options.leaseMs ?? defaultLeaseMs) / 1000),
                    abortSignal: this.#stopping.signal,
                });
                messages = response.receivedMessageItems;
            } catch (error) {
                if (!this.#running) break;
                this.#log(
                    'error',
                    `Polling queue "${this.queueName}" failed: ${describeError(error)}`,
                    undefined,
                    error,
                );
            }
            if (messages.length === 0) {
                await this.#sleep(delayMs);
                delayMs = Math.min(delayMs * 2, maxPollingIntervalMs);
                continue;
            }
            delayMs = minimumPollingIntervalMs;
            for (const message of messages) {
                void this.#inFlight.track(this.#process(message));
            }
        }
    }

    async #process(message: DequeuedMessageItem): Promise<void> {
        const { fn, worker, triggerName, queueOptions } = this.#options;
        const invocationId = randomUUID();
        const body = decodeQueueMessage(message.messageText, queueOptions.messageEncoding);
        if (body === undefined) {
            // The .NET SDK raises MessageDecodingFailed for these and the extension poisons them at once.
            this.#log(
                'error',
                `Message ${message.messageId} is not valid Base64 (host.json messageEncoding is "base64").`,
                invocationId,
            );
            await this.#moveToPoison(message, invocationId);
            return;
        }
        const startedAt = performance.now();
        const lease = this.#renewLease(message, invocationId);
        try {
            const response = await worker.invoke(
                fn,
                {
                    inputData: [{ name: triggerName, data: { string: body } }],
                    triggerMetadata: toTriggerMetadata(message, body, fn.name),
                },
                invocationId,
            );
            await this.#options.outputSender.send(this.#options.outputs, response);
        } catch (error) {
            await lease.stop();
            logExecuted(this.#options.logger, fn.name, invocationId, startedAt, error);
            await this.#handleFailure(message, invocationId);
            return;
        }
        await lease.stop();
        logExecuted(this.#options.logger, fn.name, invocationId, startedAt);
        try {
            await this.#queue!.deleteMessage(message.messageId, message.popReceipt);
        } catch (error) {
            if (!isMessageGoneError(error)) {
                this.#log(
                    'error',
                    `Deleting message ${message.messageId} failed: ${describeError(error)}`,
                    invocationId,
                    error,
                );
                return;
            }
            // QueueProcessor.DeleteMessageAsync logs this at debug too: the function may have updated the message.
            this.#log(
                'debug',
                `Message ${message.messageId} was not deleted: its pop receipt changed or it is gone. This could indicate that the function has modified the message and may be expected.`,
                invocationId,
            );
        }
    }

    /**
     * Keeps the message hidden while its invocation runs, as the Storage extension does (its
     * UpdateQueueMessageVisibilityCommand): every half lease the visibility is set to a whole lease again, and
     * `message.popReceipt` follows each renewal so that the final delete or release uses the current one.
     */
    #renewLease(message: DequeuedMessageItem, invocationId: string): { stop(): Promise<void> } {
        const leaseMs = this.#options.leaseMs ?? defaultLeaseMs;
        let renewing: Promise<void> = Promise.resolve();
        const timer = setInterval(() => {
            renewing = renewing.then(async () => {
                try {
                    const renewed = await this.#queue!.updateMessage(
                        message.messageId,
                        message.popReceipt,
                        undefined,
                        Math.ceil(leaseMs / 1000),
                    );
                    if (renewed.popReceipt) message.popReceipt = renewed.popReceipt;
                } catch (error) {
                    const gone = isMessageGoneError(error);
                    if (gone) clearInterval(timer);
                    this.#log(
                        gone ? 'debug' : 'warning',
                        `Renewing the lease of message ${message.messageId} failed: ${describeError(error)}`,
                        invocationId,
                        error,
                    );
                }
            });
        }, leaseMs / 2);
        return {
            stop: async () => {
                clearInterval(timer);
                await renewing;
            },
        };
    }

    async #handleFailure(message: DequeuedMessageItem, invocationId: string): Promise<void> {
        const { maxDequeueCount, visibilityTimeoutMs } = this.#options.queueOptions;
        if (message.dequeueCount >= maxDequeueCount && this.#poisonQueueName) {
            this.#log(
                'warning',
                `Message has reached MaxDequeueCount of ${maxDequeueCount}. Moving message to queue '${this.#poisonQueueName}'.`,
                invocationId,
            );
            await this.#moveToPoison(message, invocationId);
            return;
        }
        try {
            await this.#queue!.updateMessage(
                message.messageId,
                message.popReceipt,
                undefined,
                Math.ceil(visibilityTimeoutMs / 1000),
            );
        } catch (error) {
            const level = isMessageGoneError(error) ? 'debug' : 'error';
            this.#log(
                level,
                `Releasing message ${message.messageId} failed: ${describeError(error)}`,
                invocationId,
                error,
            );
        }
    }

    async #moveToPoison(message: DequeuedMessageItem, invocationId: string): Promise<void> {
        if (!this.#poisonQueueName) {
            return;
        }
        try {
            const poison = await this.#options.clients.get(this.#options.connection, this.#poisonQueueName);
            // The raw text keeps the message's encoding, so the poison copy decodes like the original.
            await poison.sendMessage(message.messageText);
            await this.#queue!.deleteMessage(message.messageId, message.popReceipt);
        } catch (error) {
            const level = isMessageGoneError(error) ? 'debug' : 'error';
            this.#log(
                level,
                `Moving message ${message.messageId} to '${this.#poisonQueueName}' failed: ${describeError(error)}`,
                invocationId,
                error,
            );
        }
    }

    #sleep(ms: number): Promise<void> {
        return new Promise<void>((resolve) => {
            const timer = setTimeout(done, ms);
            const wake = (): void => done();
            this.#wake = wake;
            function done(): void {
                clearTimeout(timer);
                resolve();
            }
        }).then(() => {
            this.#wake = undefined;
        });
    }

    #log(level: 'debug' | 'warning' | 'error', message: string, invocationId?: string, error?: unknown): void {
        this.#options.logger({
            level,
            category: 'host',
            message,
            functionName: this.#options.fn.name,
            invocationId,
            error,
        });
    }
}

/**
 * The binding data the Storage extension supplies for a queue trigger (QueueTriggerBindingDataProvider),
 * PascalCase as the host sends it; the library camelCases it into `context.triggerMetadata`.
 */
function toTriggerMetadata(
    message: DequeuedMessageItem,
    body: string,
    functionName: string,
): Record<string, RpcTypedData> {
    const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });
    return {
        QueueTrigger: { string: body },
        DequeueCount: json(message.dequeueCount),
        ExpirationTime: json(message.expiresOn.toISOString()),
        Id: json(message.messageId),
        InsertionTime: json(message.insertedOn.toISOString()),
        NextVisibleTime: json(message.nextVisibleOn.toISOString()),
        PopReceipt: json(message.popReceipt),
        sys: json({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
    };
}
