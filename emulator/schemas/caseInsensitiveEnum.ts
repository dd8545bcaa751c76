import { z } from 'zod';

/** An enum matched case-insensitively and normalised to its canonical spelling, as the service reads enums. */
export const caseInsensitiveEnum = <T extends string>(values: readonly T[]) =>
    z.string().transform((value, ctx) => {
        const match = values.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
        if (match === undefined) {
            ctx.addIssue({ code: 'custom', message: `The value '${value}' is not one of ${values.join(', ')}` });
            return z.NEVER;
        }
        return match;
    });
