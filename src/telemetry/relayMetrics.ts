import { metrics, type Counter, type Histogram, type ObservableGauge } from '@opentelemetry/api';
import type { PowerBiFailure } from '../powerbi/powerBiFailure';

/** The meter's name (InstrumentationScope); Application Insights stores each instrument under its own name. */
export const relayMeterName = 'pbi-relay';

/**
 * Instrument names as they appear in Application Insights (`customMetrics.name`), the workbook and the
 * backlog alert (infra/app/monitoring.bicep). Dimensions are attributes: dataset and table, target, queue.
 */
export const metricNames = {
    rowsAccepted: 'pbi_relay.rows.accepted',
    rowsPushed: 'pbi_relay.rows.pushed',
    addRowsCalls: 'pbi_relay.add_rows.calls',
    messagesPoisoned: 'pbi_relay.messages.poisoned',
    unknownOutcomeParts: 'pbi_relay.unknown_outcome.parts',
    queueMessages: 'pbi_relay.queue.messages',
    queueOldestMessageAge: 'pbi_relay.queue.oldest_message_age',
    refreshes: 'pbi_relay.refreshes',
    refreshDuration: 'pbi_relay.refresh.duration',
} as const;

/** `succeeded`, or the failure's kind: `throttled` is a 429 from Power BI. */
export type AddRowsOutcome = 'succeeded' | PowerBiFailure['kind'];

/** What one queue holds, read from Storage (every instance reads the same queue, so charts take the maximum). */
export interface QueueDepth {
    messages: number;
    oldestMessageAgeSeconds: number;
}

interface Instruments {
    rowsAccepted: Counter;
    rowsPushed: Counter;
    addRowsCalls: Counter;
    messagesPoisoned: Counter;
    unknownOutcomeParts: Counter;
    queueMessages: ObservableGauge;
    queueOldestMessageAge: ObservableGauge;
    refreshes: Counter;
    refreshDuration: Histogram;
}

let instruments: Instruments | undefined;

/** Made on first use, so they bind to the meter provider that startMetrics (or a test) registered by then. */
function relayInstruments(): Instruments {
    if (instruments) return instruments;
    const meter = metrics.getMeter(relayMeterName);
    instruments = {
        rowsAccepted: meter.createCounter(metricNames.rowsAccepted, {
            unit: '{row}',
            description: 'Rows the webhook and the sources accepted and enqueued',
        }),
        rowsPushed: meter.createCounter(metricNames.rowsPushed, {
            unit: '{row}',
            description: 'Rows Power BI took in Add Rows calls',
        }),
        addRowsCalls: meter.createCounter(metricNames.addRowsCalls, {
            unit: '{call}',
            description: 'Add Rows calls by outcome (throttled: a 429)',
        }),
        messagesPoisoned: meter.createCounter(metricNames.messagesPoisoned, {
            unit: '{message}',
            description: 'Rows messages moved to the poison queue',
        }),
        unknownOutcomeParts: meter.createCounter(metricNames.unknownOutcomeParts, {
            unit: '{part}',
            description:
                'Parts of Add Rows calls whose answer never came, by how they were settled: stored or notStored (counted by the marker column in Power BI), unconfirmed (by the table policy)',
        }),
        queueMessages: meter.createObservableGauge(metricNames.queueMessages, {
            unit: '{message}',
            description: "Approximate message count of the rows queue and its poison queue (Storage's own count)",
        }),
        queueOldestMessageAge: meter.createObservableGauge(metricNames.queueOldestMessageAge, {
            unit: 's',
            description: 'Age of the oldest visible message of the queue (0 when empty)',
        }),
        refreshes: meter.createCounter(metricNames.refreshes, {
            unit: '{refresh}',
            description: 'Refreshes that ended, by final status',
        }),
        refreshDuration: meter.createHistogram(metricNames.refreshDuration, {
            unit: 's',
            description: 'Duration of refreshes that ended, by final status',
        }),
    };
    return instruments;
}

export function countAcceptedRows(at: { dataset: string; table: string }, rows: number): void {
    relayInstruments().rowsAccepted.add(rows, { dataset: at.dataset, table: at.table });
}

/** One Add Rows call; the rows count as pushed when it succeeded. */
export function countAddRowsCall(at: { dataset: string; table: string }, rows: number, outcome: AddRowsOutcome): void {
    const { addRowsCalls, rowsPushed } = relayInstruments();
    addRowsCalls.add(1, { dataset: at.dataset, table: at.table, outcome });
    if (outcome === 'succeeded') rowsPushed.add(rows, { dataset: at.dataset, table: at.table });
}

export function countPoisoned(at: { dataset?: string; table?: string }, code: string | undefined): void {
    relayInstruments().messagesPoisoned.add(1, {
        dataset: at.dataset ?? 'unknown',
        table: at.table ?? 'unknown',
        code: code ?? 'none',
    });
}

/** How a part of a call whose answer never came was settled: by the marker column's count, or by the table's policy. */
export type UnknownOutcomeVerdict = 'stored' | 'notStored' | 'unconfirmed';

/** A part of a call whose answer never came, once settled. */
export function countUnknownOutcome(at: { dataset: string; table: string }, verdict: UnknownOutcomeVerdict): void {
    relayInstruments().unknownOutcomeParts.add(1, { dataset: at.dataset, table: at.table, verdict });
}

/** A refresh's recorded end (once per refresh, by the writer of its outcome). */
export function recordRefreshEnd(refresh: { target: string; status: string; durationSeconds?: number }): void {
    const { refreshes, refreshDuration } = relayInstruments();
    const attributes = { target: refresh.target, status: refresh.status };
    refreshes.add(1, attributes);
    if (refresh.durationSeconds !== undefined) refreshDuration.record(refresh.durationSeconds, attributes);
}

/** Reports each queue's depth whenever the metrics are collected; a queue that cannot be read is left out that time. */
export function observeQueues(queues: readonly { name: string; read(): Promise<QueueDepth> }[]): void {
    const { queueMessages, queueOldestMessageAge } = relayInstruments();
    metrics.getMeter(relayMeterName).addBatchObservableCallback(
        async (observer) => {
            const depths = await Promise.all(
                queues.map(async (queue) => ({ queue: queue.name, depth: await queue.read().catch(() => undefined) })),
            );
            for (const { queue, depth } of depths) {
                if (depth === undefined) continue;
                observer.observe(queueMessages, depth.messages, { queue });
                observer.observe(queueOldestMessageAge, depth.oldestMessageAgeSeconds, { queue });
            }
        },
        [queueMessages, queueOldestMessageAge],
    );
}
