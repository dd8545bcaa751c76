import { loadRelayConfig, RelayConfigError, type RelayConfig } from '../config/relayConfig';
import { resolveConfigPath } from '../config/resolveConfigPath';
import type { Settings } from '../config/settings';
import type { DoctorCheck } from './DoctorCheck';

/** The config file the app would load (resolveConfigPath, as src/runtime/relay.ts). */
export function checkConfig(settings: Settings, appRoot: string): { check: DoctorCheck; config?: RelayConfig } {
    const path = resolveConfigPath(settings.PBI_RELAY_CONFIG, appRoot);
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
