import { kustoErrors } from '../errors/kustoErrors';

const guid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Parses `aadapp=<application (client) id or object id>[;<tenant id or domain>]`, the form the research notes use
 * for managed identities. Other principal kinds (aaduser=, aadgroup=) and display names are refused (strict).
 */
export function parsePrincipalFqn(fqn: string): { id: string; tenant?: string } {
    const match = /^aadapp=([^;]+)(?:;(.+))?$/i.exec(fqn.trim());
    const id = match?.[1]?.trim();
    if (!match || !id || !guid.test(id)) {
        throw kustoErrors.badRequest(
            `Principal '${fqn.slice(0, 200)}' is not supported by the Kusto emulator: use 'aadapp=<client id>;<tenant id>' with a GUID client id.`,
        );
    }
    const tenant = match[2]?.trim().toLowerCase();
    return { id: id.toLowerCase(), ...(tenant ? { tenant } : {}) };
}
