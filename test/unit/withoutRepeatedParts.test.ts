import { describe, expect, it } from 'vitest';
import type { Member } from '../../src/push/member';
import { withoutRepeatedParts } from '../../src/push/withoutRepeatedParts';
import { productMessage } from '../integration/relayTestBed';

const member = (message: ReturnType<typeof productMessage>, part = 0): Member => ({
    message,
    part,
    rows: message.rows ?? [],
    bytes: 10,
    last: true,
    complete: async () => undefined,
    resend: async () => undefined,
    poison: async () => undefined,
});

describe('withoutRepeatedParts', () => {
    it('keeps the first member of each part and sets later copies aside (a message delivered again after its lease lapsed)', () => {
        const first = productMessage([{ ProductID: 1, Name: 'a' }]);
        const other = productMessage([{ ProductID: 2, Name: 'b' }]);
        const trigger = member(first);
        const donor = member(other);
        const companionCopy = member({ ...other, requeued: true });
        const laterPart = member(first, 1);
        expect(withoutRepeatedParts([trigger, donor, companionCopy, laterPart])).toEqual({
            carried: [trigger, donor, laterPart],
            copies: [companionCopy],
        });
    });
});
