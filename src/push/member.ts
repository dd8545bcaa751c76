import type { PushRow } from '../queue/row';
import type { RowsMessage } from '../queue/rowsMessage';
import type { PoisonReason } from '../queue/rowsQueue';

/**
 * One queued ingestion's part in an Add Rows call, with what settles it: the triggering message is deleted
 * by the host when the invocation returns; a packed companion by the relay. Sending a message back is always
 * a new message (with its own attempt count) followed by the delete of the received one, so being packed and
 * sent back never raises a message's dequeue count towards the host's poison threshold.
 */
export interface Member {
    message: RowsMessage;
    part: number;
    rows: PushRow[];
    /**
     * Bytes of the rows as JSON, to keep a call under Power BI's 16 MB; JSON.stringify writes an exact number as an
     * object about 35 bytes longer than its digits, which errs on the safe side.
     */
    bytes: number;
    /** The version of the part's pending intent, read and settled as not stored: this call's intent replaces it. */
    replacesIntent?: string;
    /** Whether this is the message's last part (only then can others join its call). */
    last: boolean;
    /** Its rows are in Power BI (and in the ledger): remove the message. */
    complete(): Promise<void>;
    /** Send the message back to the queue, visible after `delaySeconds`. */
    resend(message: RowsMessage, delaySeconds: number): Promise<void>;
    poison(reason: PoisonReason): Promise<void>;
}
