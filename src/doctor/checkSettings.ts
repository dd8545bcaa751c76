import { loadSettings, SettingsError, type Settings } from '../config/settings';
import type { DoctorCheck } from './DoctorCheck';

export function checkSettings(env: NodeJS.ProcessEnv): { check: DoctorCheck; settings?: Settings } {
    const name = 'App settings are valid';
    try {
        const settings = loadSettings(env);
        const credential =
            settings.POWERBI_CREDENTIAL === 'managedIdentity'
                ? `managed identity${settings.AZURE_CLIENT_ID ? ` (client id ${settings.AZURE_CLIENT_ID})` : ' (system-assigned)'}`
                : 'DefaultAzureCredential (az login locally)';
        return {
            settings,
            check: {
                name,
                ok: true,
                detail: `Power BI ${settings.POWERBI_API_BASE_URL}, workspace ${settings.POWERBI_WORKSPACE_ID}, credential: ${credential}`,
            },
        };
    } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        return {
            check: {
                name,
                ok: false,
                detail: error.message,
                fix: [
                    "Set the settings named above: in Azure they are the function app's app settings (infra/app/api.bicep);",
                    'locally run `npm run doctor -- --settings local.settings.json`, or `npm run doctor -- --azd` for a deployed app.',
                ].join('\n'),
            },
        };
    }
}
