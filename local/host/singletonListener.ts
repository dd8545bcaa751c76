import { randomUUID } from 'node:crypto';
import type { BlobServiceClient } from '@azure/storage-blob';
import { describeError } from './localWorker';
import type { HostLogger } from './logger';

/**
 * The WebJobs SDK's SingletonOptions defaults: a listener lease of 60 s, renewed before it lapses, and a host
 * without the lease trying again every 60 s (ListenerLockPeriod, ListenerLockRecoveryPollingInterval).
 */
export const listenerLockPeriodSeconds = 60;
export const listenerLockRecoveryMs = 60_000;
const renewEveryMs = (listenerLockPeriodSeconds * 1000) / 3;
/** How long stopping tries to release the lease; one not released lapses within a lease period anyway. */
const releaseOnStopMs = 2_000;

/** The host's lock container, as in Azure (azure-webjobs-hosts/locks/<hostId>/<function>.Listener). */
export const lockContainerName = 'azure-webjobs-hosts';

export interface Listener {
    start(): void;
    stop(): Promise<void>;
}

export interface SingletonListenerOptions {
    blobService: BlobServiceClient;
    hostId: string;
    functionName: string;
    /** A fresh listener each time this host takes the lease. */
    createListener: () => Listener;
    logger: HostLogger;
}

/**
 * Runs a listener (the timer trigger's) on one host at a time, as the Functions host does with its singleton
 * listener lock: a blob lease in the host's storage. The lease outlives the process that holds it only until it
 * lapses, so when a host crashes another host takes over within a lease period plus a recovery interval.
 */
export class SingletonListener {
    readonly #options: SingletonListenerOptions;
    readonly #leaseId = randomUUID();
    #listener: Listener | undefined;
    #timer: NodeJS.Timeout | undefined;
    #stopped = false;
    #busy: Promise<void> = Promise.resolve();
    /** Cancels the acquire or renewal in progress when the host stops, instead of waiting out its retries. */
    readonly #stopping = new AbortController();

    constructor(options: SingletonListenerOptions) {
        this.#options = options;
    }

    get #blob() {
        return this.#options.blobService
            .getContainerClient(lockContainerName)
            .getBlockBlobClient(`locks/${this.#options.hostId}/Host.Functions.${this.#options.functionName}.Listener`);
    }

    /** Tries to take the lease now; resolves once the first attempt is over (taken or not). */
    async start(): Promise<void> {
        const container = this.#options.blobService.getContainerClient(lockContainerName);
        await container.createIfNotExists();
        await this.#blob.uploadData(Buffer.alloc(0), { conditions: { ifNoneMatch: '*' } }).catch((error: unknown) => {
            // 409: the lock blob exists (412 when another host holds its lease).
            const status = (error as { statusCode?: number }).statusCode;
            if (status !== 409 && status !== 412) throw error;
        });
        await this.#step();
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        clearTimeout(this.#timer);
        this.#stopping.abort();
        await this.#busy;
        const listener = this.#listener;
        this.#listener = undefined;
        if (listener) {
            await listener.stop();
            await this.#blob
                .getBlobLeaseClient(this.#leaseId)
                .releaseLease({ abortSignal: AbortSignal.timeout(releaseOnStopMs) })
                .catch(() => undefined);
        }
    }

    #step(): Promise<void> {
        this.#busy = (this.#listener ? this.#renew() : this.#acquire()).finally(() => {
            if (!this.#stopped) {
                this.#timer = setTimeout(
                    () => void this.#step(),
                    this.#listener ? renewEveryMs : listenerLockRecoveryMs,
                );
            }
        });
        return this.#busy;
    }

    async #acquire(): Promise<void> {
        try {
            await this.#blob
                .getBlobLeaseClient(this.#leaseId)
                .acquireLease(listenerLockPeriodSeconds, { abortSignal: this.#stopping.signal });
        } catch (error) {
            if (this.#stopped) return;
            if ((error as { statusCode?: number }).statusCode !== 409) {
                this.#log('warning', `Could not take the singleton lock: ${describeError(error)}`);
            }
            return;
        }
        if (this.#stopped) return;
        this.#log('information', 'Singleton lock taken: this host runs the timer.');
        this.#listener = this.#options.createListener();
        this.#listener.start();
    }

    async #renew(): Promise<void> {
        try {
            await this.#blob.getBlobLeaseClient(this.#leaseId).renewLease({ abortSignal: this.#stopping.signal });
        } catch (error) {
            if (this.#stopped) return;
            this.#log('warning', `Singleton lock lost, the timer stops on this host: ${describeError(error)}`);
            const listener = this.#listener;
            this.#listener = undefined;
            await listener?.stop();
        }
    }

    #log(level: 'information' | 'warning', message: string): void {
        this.#options.logger({ level, category: 'host', functionName: this.#options.functionName, message });
    }
}
