import type { RefreshTarget } from '../config/refreshTargetSchema';

/** The configured target a request names (case-insensitive); left out, the only target when exactly one is configured. */
export function findTarget(name: string | undefined, targets: RefreshTarget[]): RefreshTarget | undefined {
    if (name === undefined) return targets.length === 1 ? targets[0] : undefined;
    return targets.find((target) => target.name.toLowerCase() === name.toLowerCase());
}
