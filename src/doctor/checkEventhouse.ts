import type { HttpClient } from '@azure/core-rest-pipeline';
import type { RelayConfig } from '../config/relayConfig';
import type { Settings } from '../config/settings';
import { describeSetupError } from '../eventhouse/applyEventhouseSetup';
import { createEventhouseClient } from '../eventhouse/eventhouseClient';
import type { EventhouseSetupState } from '../eventhouse/eventhouseSetupState';
import { planEventhouseSetup, type SetupItem } from '../eventhouse/planEventhouseSetup';
import { readEventhouseSetupState } from '../eventhouse/readEventhouseSetupState';
import { toEventhouseSetupTargets } from '../eventhouse/toEventhouseSetupTargets';
import type { PowerBiCredential } from '../powerbi/powerBiCredential';
import type { DoctorCheck } from './DoctorCheck';
import { decodeTokenClaims, isUserToken } from './decodeTokenClaims';

const setupFix =
    'Run `npm run fabric-setup` (as a database Admin: Admin, Member or Contributor of the Fabric workspace); `-- --dry-run` shows the commands first.';

/**
 * The Eventhouse side of the datasets with the eventhouse sink: a token for the Kusto scope, each database reachable,
 * each table with its mapping and dedup view as `npm run fabric-setup` creates them, and the identity's Ingestor and
 * Viewer roles. Run as the relay's identity, which cannot read the database's principals, the roles are judged by what
 * it could do: read the tables (Viewer) and the mappings (Ingestor).
 */
export async function checkEventhouse(
    settings: Settings,
    config: RelayConfig,
    credential: PowerBiCredential,
    httpClient?: HttpClient,
): Promise<{ checks: DoctorCheck[]; skipped: string[] }> {
    const checks: DoctorCheck[] = [];
    const skipped: string[] = [];
    let targets;
    try {
        targets = toEventhouseSetupTargets(config, settings.EVENTHOUSE_QUERY_SERVICE_URI);
    } catch (error) {
        // Two Power BI tables that give one Kusto table different shapes, or a column named like EventId.
        const problem = { name: 'The Eventhouse tables of the config', ok: false, detail: (error as Error).message };
        checks.push({ ...problem, fix: 'Change the config as the detail says.' });
        return { checks, skipped };
    }
    if (targets.length === 0) return { checks, skipped };

    let clientId: string | undefined;
    let tenantId: string | undefined;
    try {
        const token = await credential.getToken(settings.EVENTHOUSE_SCOPE, {
            abortSignal: AbortSignal.timeout(settings.POWERBI_TIMEOUT_MS),
        });
        if (!token) throw new Error('no token returned');
        const claims = decodeTokenClaims(token.token);
        // A user's token (`doctor --azd`) names the app the user signed in through, not the relay's identity.
        const appOfToken = claims && !isUserToken(claims) ? (claims.appid ?? claims.azp) : undefined;
        clientId = settings.AZURE_CLIENT_ID ?? appOfToken;
        tenantId = claims?.tid;
        checks.push({
            name: 'An Eventhouse token can be obtained',
            ok: true,
            detail: `scope ${settings.EVENTHOUSE_SCOPE}${clientId ? `, appid ${clientId}` : ''}`,
        });
    } catch (error) {
        checks.push({
            name: 'An Eventhouse token can be obtained',
            ok: false,
            detail: `scope ${settings.EVENTHOUSE_SCOPE}: ${(error as Error).message.split('\n')[0]}`,
            fix: 'The same credential as for Power BI gets it: see the Power BI token check; EVENTHOUSE_SCOPE is normally https://kusto.kusto.windows.net/.default.',
        });
        skipped.push('Eventhouse databases, tables and roles: they need an Eventhouse token');
        return { checks, skipped };
    }

    for (const target of targets) {
        const desired = {
            ...target.desired,
            ...(clientId ? { identity: { clientId, ...(tenantId ? { tenantId } : {}) } } : {}),
        };
        const name = `Eventhouse database '${desired.database}' is reachable`;
        if (target.queryServiceUri === undefined) {
            checks.push({
                name,
                ok: false,
                detail: 'no query service URI',
                fix: "Set eventhouse.queryServiceUri on the dataset or the EVENTHOUSE_QUERY_SERVICE_URI app setting (the Eventhouse's Query URI in Fabric).",
            });
            continue;
        }
        const client = createEventhouseClient({
            queryServiceUri: target.queryServiceUri,
            credential,
            scope: settings.EVENTHOUSE_SCOPE,
            ...(httpClient ? { httpClient } : {}),
        });
        let state: EventhouseSetupState;
        try {
            state = await readEventhouseSetupState(
                client,
                desired.database,
                desired.tables.map((table) => table.table.name),
            );
        } catch (error) {
            checks.push({
                name,
                ok: false,
                detail: `${target.queryServiceUri}: ${describeSetupError(error, desired)}`,
                fix: [
                    `The identity needs the Viewer role on database '${desired.database}' (and Ingestor to deliver): run \`npm run fabric-setup\`,`,
                    'or check the query service URI and that the database exists in the Eventhouse.',
                ].join('\n'),
            });
            skipped.push(`Eventhouse tables and roles of database '${desired.database}': they need the database`);
            continue;
        }
        checks.push({
            name,
            ok: true,
            detail: `${target.queryServiceUri}, ${state.tables.length} of the tables present`,
        });
        const plan = planEventhouseSetup(state, desired);
        for (const table of desired.tables) {
            const items = plan.items.filter((item) => item.table === table.table.name);
            checks.push(toTableCheck(table.table.name, table.source, items));
        }
        if (desired.identity) checks.push(toRoleCheck(desired.database, desired.identity.clientId, state, plan.items));
    }
    return { checks, skipped };
}

function toTableCheck(table: string, source: string, items: SetupItem[]): DoctorCheck {
    const name = `Eventhouse table '${table}' (${source}) has its mapping and dedup view`;
    const problems = items.flatMap((item) => {
        switch (item.outcome.kind) {
            case 'ok':
                return [];
            case 'step':
                return [`${item.subject}: needs ${item.outcome.change}`];
            case 'conflict':
            case 'unreadable':
                return [`${item.subject}: ${item.outcome.message}`];
        }
    });
    if (problems.length === 0) return { name, ok: true, detail: items.map((item) => item.subject).join(', ') };
    const conflicts = items.some((item) => item.outcome.kind === 'conflict');
    return {
        name,
        ok: false,
        detail: problems.join('; '),
        fix: conflicts
            ? 'fabric-setup cannot change this without dropping data: follow the detail (rename the column, or name another table or view in eventhouse.tables).'
            : setupFix,
    };
}

function toRoleCheck(database: string, clientId: string, state: EventhouseSetupState, items: SetupItem[]): DoctorCheck {
    const name = `The identity ${clientId} has the Ingestor and Viewer roles on '${database}'`;
    const roles = items.filter((item) => item.what === 'role');
    if (state.principals !== 'forbidden') {
        const missing = roles.filter((item) => item.outcome.kind !== 'ok').map((item) => item.subject);
        return missing.length === 0
            ? { name, ok: true, detail: 'listed in the database principals' }
            : { name, ok: false, detail: `missing: ${missing.join(', ')}`, fix: setupFix };
    }
    // The relay's own token: it read the tables (Viewer), and the mappings of those present unless refused (Ingestor).
    const present = state.tables;
    if (present.length === 0) {
        return { name, ok: true, detail: 'Viewer: the database could be read; Ingestor: no table yet to tell by' };
    }
    if (present.some((table) => table.mappings === 'forbidden')) {
        return {
            name,
            ok: false,
            detail: 'Viewer: the database could be read; Ingestor: reading the ingestion mappings was refused (403)',
            fix: setupFix,
        };
    }
    return {
        name,
        ok: true,
        detail: 'Viewer: the database could be read; Ingestor: the ingestion mappings could be read',
    };
}
