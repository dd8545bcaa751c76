import type { z } from 'zod';
import type { PowerBiError } from '../errors/PowerBiError';
import { powerBiErrors } from '../errors/powerBiErrors';

/** Maps zod issues to the service's 400 BadRequest with details[{message, target}]. */
export function toBadRequest(error: z.ZodError, target: string): PowerBiError {
    const details = error.issues.map((issue) => {
        const path = issue.path.map((segment) =>
            typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`,
        );
        return { message: issue.message, target: `${target}${path.join('')}` };
    });
    // The service reports unknown properties first; keep that order so clients see the same first detail.
    details.sort(
        (a, b) =>
            Number(b.message.includes('does not exist on type')) - Number(a.message.includes('does not exist on type')),
    );
    return powerBiErrors.badRequest(details);
}
