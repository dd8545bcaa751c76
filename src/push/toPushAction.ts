import { toAccessProblem, type PowerBiFailure } from '../powerbi/powerBiFailure';

/**
 * What the relay does with rows whose Add Rows call (or the dataset lookup before it) failed:
 * - wait: throttled; send again after Retry-After without spending an attempt;
 * - retry: transient, access or a dataset that vanished; spend an attempt and back off; `forgetTarget` drops
 *   what is known of the dataset so the next try looks it up (and creates it) again;
 * - split: the call's rows were refused; each part is tried on its own, so one bad row poisons only its own
 *   message;
 * - poison: repeating can never succeed (not a push dataset, a table Power BI will not add).
 */
export type PushAction =
    | { kind: 'wait'; seconds: number }
    | { kind: 'retry'; forgetTarget: boolean; serviceAskedSeconds: number }
    | { kind: 'split' }
    | { kind: 'poison' };

/** The one function that turns a Power BI failure into what happens to the rows. */
export function toPushAction(failure: PowerBiFailure, stage: 'resolve' | 'post'): PushAction {
    switch (failure.kind) {
        case 'throttled':
            return { kind: 'wait', seconds: failure.retryAfterSeconds };
        case 'transient':
            return { kind: 'retry', forgetTarget: false, serviceAskedSeconds: failure.retryAfterSeconds ?? 0 };
        case 'unauthorized':
            return { kind: 'retry', forgetTarget: false, serviceAskedSeconds: 0 };
        case 'permanent': {
            // Finding or creating the dataset failed for good: the configuration and the workspace disagree.
            if (stage === 'resolve') return { kind: 'poison' };
            const access = toAccessProblem(failure);
            if (access === 'notPushDataset') return { kind: 'poison' };
            // The dataset or table was deleted since it was looked up: look it up (and create it) again.
            if (access === 'notFound') return { kind: 'retry', forgetTarget: true, serviceAskedSeconds: 0 };
            return { kind: 'split' };
        }
    }
}
