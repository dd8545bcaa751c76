import type { Member } from './member';

/**
 * Splits an Add Rows call's members into those it carries and later copies of a part already among them. A
 * message whose lease lapsed while its invocation ran (Storage unreachable, so the host could not renew it) is
 * delivered again; its new copy can reach the same call as a companion or from another waiting invocation, and
 * the call would then carry its rows twice, under one call id that no marker count can tell apart.
 */
export function withoutRepeatedParts(members: readonly Member[]): { carried: Member[]; copies: Member[] } {
    const seen = new Set<string>();
    const carried: Member[] = [];
    const copies: Member[] = [];
    for (const member of members) {
        const key = `${member.message.ingestionId}:${member.part}`;
        if (seen.has(key)) {
            copies.push(member);
        } else {
            seen.add(key);
            carried.push(member);
        }
    }
    return { carried, copies };
}
