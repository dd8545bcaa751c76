import { isAbsolute, join } from 'node:path';

/** PBI_RELAY_CONFIG as a file path: an absolute one as given, a relative one against the app's root folder. */
export function resolveConfigPath(setting: string, appRoot: string): string {
    return isAbsolute(setting) ? setting : join(appRoot, setting);
}
