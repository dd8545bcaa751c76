import type { Member } from './member';

/**
 * The invocations of this instance that wait for the same dataset's next Add Rows slot with rows for the same table
 * (one call carries one table's rows: a line per dataset let the rows of one table go into another's call). The host holds the
 * message of every running invocation out of the queue, so a call could not take those along: instead one
 * invocation leads (waits for the slot) and the others hand it their message and wait until it is settled.
 * Past the 250,000-row cliff, where slots are 30 s apart, this is what lets one call carry everything queued.
 */
export interface SlotLine {
    /** Hands `member` to the invocation leading for the dataset's table, if there is one; undefined otherwise. */
    join(datasetKey: string, table: string, member: Member): Promise<'settled' | 'returned'> | undefined;
    /** Makes this invocation the leader of the dataset's table until `end`. */
    lead(datasetKey: string, table: string): Leader;
}

export interface Leader {
    /** Takes the members handed over so far that fit in `rows` and `bytes`. */
    take(rows: number, bytes: number): Member[];
    /** Marks the taken members as settled (in Power BI, rescheduled or poisoned). */
    settled(): void;
    /** Stops leading; members handed over but not taken go back to their own invocation. */
    end(): void;
}

interface Donation {
    member: Member;
    resolve(outcome: 'settled' | 'returned'): void;
}

export function createSlotLine(): SlotLine {
    const lines = new Map<string, Donation[]>();
    const keyOf = (datasetKey: string, table: string) => `${datasetKey}\n${table}`;
    return {
        join(datasetKey, table, member) {
            const line = lines.get(keyOf(datasetKey, table));
            if (!line) return undefined;
            return new Promise((resolve) => line.push({ member, resolve }));
        },
        lead(datasetKey, table) {
            const key = keyOf(datasetKey, table);
            const line: Donation[] = [];
            lines.set(key, line);
            const taken: Donation[] = [];
            return {
                take(rows, bytes) {
                    let rowsLeft = rows;
                    let bytesLeft = bytes;
                    for (let i = 0; i < line.length;) {
                        const donation = line[i]!;
                        if (donation.member.rows.length <= rowsLeft && donation.member.bytes <= bytesLeft) {
                            rowsLeft -= donation.member.rows.length;
                            bytesLeft -= donation.member.bytes;
                            taken.push(...line.splice(i, 1));
                        } else {
                            i++;
                        }
                    }
                    return taken.map((donation) => donation.member);
                },
                settled() {
                    for (const donation of taken.splice(0)) donation.resolve('settled');
                },
                end() {
                    if (lines.get(key) === line) lines.delete(key);
                    for (const donation of [...taken.splice(0), ...line.splice(0)]) donation.resolve('returned');
                },
            };
        },
    };
}
