/**
 * Checks that the relay can reach Power BI with its settings, and names the fix for each problem.
 *
 *   npm run doctor                                   app settings from the environment
 *   npm run doctor -- --settings local.settings.json app settings from a Functions settings file (its Values)
 *   npm run doctor -- --azd                          a deployed app: values from `azd env get-values`, checked
 *                                                    as you (`az login`), the identity's role looked up by id
 *   add --json for machines, --principal-id <object id> to look up another identity's role
 *
 * Exit code 0 when every check passes, 1 when one fails, 2 for bad arguments. See infra/README.md, 3d.
 */
import { runDoctor, type DoctorInput } from '../src/doctor/runDoctor';
import { toChecklist } from '../src/doctor/toChecklist';
import { readLocalSettingsFile } from '../local/localSettingsFile';
import { readAzdEnv } from './grantPowerBiAccess';
import { runCli } from './runCli';
import { parseCliOptions, UsageError } from './parseCliOptions';

export interface DoctorCliOptions {
    settings?: string;
    azd: boolean;
    json: boolean;
    principalId?: string;
    help: boolean;
}

const usage = `Usage: npm run doctor [-- --settings <local.settings.json> | --azd] [--principal-id <object id>] [--json]
Checks the app settings, the config file, the Eventhouse side (when a dataset has the eventhouse sink), the Power BI
token, the workspace and the identity's role in it, the configured push datasets and the refresh targets, and prints
the fix for each failure.`;

export function parseDoctorArgs(argv: readonly string[]): DoctorCliOptions {
    const values = parseCliOptions(
        argv,
        {
            settings: { type: 'string' },
            'principal-id': { type: 'string' },
            azd: { type: 'boolean', default: false },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
        (message) => new UsageError(message),
    );
    if (values.settings && values.azd) throw new UsageError('Use either --settings or --azd');
    return {
        settings: values.settings,
        principalId: values['principal-id'],
        azd: values.azd,
        json: values.json,
        help: values.help,
    };
}

/**
 * The deployed app's settings, rebuilt from the azd outputs of infra/main.bicep. The managed identity's
 * own token exists only inside Azure, so the checks run as the signed-in user (POWERBI_CREDENTIAL=default)
 * and the identity's role is looked up by its object id.
 */
export function fromAzdValues(values: Record<string, string>): { env: Record<string, string>; principalId?: string } {
    const env: Record<string, string> = { POWERBI_CREDENTIAL: 'default' };
    const copy = (to: string, from: string) => {
        if (values[from]) env[to] = values[from]!;
    };
    copy('POWERBI_WORKSPACE_ID', 'POWERBI_WORKSPACE_ID');
    copy('REFRESH_SCHEDULE', 'REFRESH_SCHEDULE');
    copy('EVENTHOUSE_QUERY_SERVICE_URI', 'EVENTHOUSE_QUERY_SERVICE_URI');
    copy('AzureWebJobsStorage__blobServiceUri', 'AZURE_STORAGE_BLOB_ENDPOINT');
    copy('AzureWebJobsStorage__queueServiceUri', 'AZURE_STORAGE_QUEUE_ENDPOINT');
    copy('AzureWebJobsStorage__tableServiceUri', 'AZURE_STORAGE_TABLE_ENDPOINT');
    return {
        env,
        ...(values.MANAGED_IDENTITY_PRINCIPAL_ID ? { principalId: values.MANAGED_IDENTITY_PRINCIPAL_ID } : {}),
    };
}

function readSettings(path: string): Record<string, string> {
    try {
        return readLocalSettingsFile(path).values;
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
}

export interface DoctorCliDependencies {
    env: NodeJS.ProcessEnv;
    readAzdEnv?: () => Promise<Record<string, string>>;
    credential?: DoctorInput['credential'];
    log?: (text: string) => void;
    error?: (text: string) => void;
}

export async function main(argv: readonly string[], deps: DoctorCliDependencies): Promise<number> {
    const log = deps.log ?? ((text: string) => console.log(text));
    const error = deps.error ?? ((text: string) => console.error(text));
    let input: DoctorInput;
    let options: DoctorCliOptions;
    try {
        options = parseDoctorArgs(argv);
        if (options.help) {
            log(usage);
            return 0;
        }
        let principalId = options.principalId ?? deps.env.MANAGED_IDENTITY_PRINCIPAL_ID;
        if (options.settings) {
            // @azure/identity reads IDENTITY_ENDPOINT and friends from process.env, so the file's values go there too.
            Object.assign(deps.env, readSettings(options.settings));
        } else if (options.azd) {
            const values = await (deps.readAzdEnv ?? readAzdEnv)();
            if (Object.keys(values).length === 0) {
                throw new UsageError(
                    '`azd env get-values` gave nothing: install azd, `azd env select <env>`, or use --settings',
                );
            }
            const azd = fromAzdValues(values);
            Object.assign(deps.env, azd.env);
            principalId = options.principalId ?? azd.principalId;
        }
        input = {
            env: deps.env,
            ...(principalId ? { principalId } : {}),
            ...(deps.credential ? { credential: deps.credential } : {}),
        };
    } catch (problem) {
        if (!(problem instanceof UsageError)) throw problem;
        error(`${problem.message}\n\n${usage}`);
        return 2;
    }
    const report = await runDoctor(input);
    log(options.json ? JSON.stringify(report, null, 2) : toChecklist(report));
    return report.ok ? 0 : 1;
}

if (require.main === module) runCli(() => main(process.argv.slice(2), { env: process.env }));
