import { isAbsolute, join } from 'node:path';
import { loadRelayConfig, RelayConfigError, type RelayConfig } from '../config/relayConfig';
import type { Settings } from '../config/settings';
import type { DoctorCheck } from './DoctorCheck';

/** Resolved the way the app resolves it (src/runtime/relay.ts): relative to the app's root folder. */
export function checkConfig(settings: Settings, appRoot: string): { check: DoctorCheck; config?: RelayConfig } {
    const path = isAbsolute(settings.PBI_RELAY_CONFIG)
        ? settings.PBI_RELAY_CONFIG
        : join(appRoot, settings.PBI_RELAY_CONFIG);
    const name = `Config file ${settings.PBI_RELAY_CONFIG} is valid`;
    try {
        const config = loadRelayConfig(path);
        return {
            config,
            check: {
                name,
                ok: true,
                detail: `${config.datasets.length} push dataset(s), ${config.refreshTargets.length} refresh target(s)`,
            },
        };
    } catch (error) {
        if (!(error instanceof RelayConfigError)) throw error;
        return {
            check: {
                name,
                ok: false,
                detail: error.message,
                fix: `Correct ${path}; pbi-relay.config.schema.json describes every field (editors validate against it through "$schema").`,
            },
        };
    }
}
