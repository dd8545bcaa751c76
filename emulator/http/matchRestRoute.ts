import type { OperationName } from '../faults/FaultInjector';
import type { RouteParams } from './RouteParams';

interface RouteShape {
    /** Segments after `datasets` (or after the group id); `:name` captures. */
    pattern: string[];
    methods: Partial<Record<string, OperationName>>;
}

const shapes: RouteShape[] = [
    { pattern: [], methods: { GET: 'getDatasets', POST: 'createDataset' } },
    { pattern: [':datasetId'], methods: { GET: 'getDataset', DELETE: 'deleteDataset' } },
    { pattern: [':datasetId', 'tables'], methods: { GET: 'getTables' } },
    { pattern: [':datasetId', 'tables', ':tableName'], methods: { PUT: 'putTable' } },
    { pattern: [':datasetId', 'tables', ':tableName', 'rows'], methods: { POST: 'postRows', DELETE: 'deleteRows' } },
    { pattern: [':datasetId', 'executeQueries'], methods: { POST: 'executeQueries' } },
    { pattern: [':datasetId', 'refreshes'], methods: { GET: 'getRefreshHistory', POST: 'refreshDataset' } },
    {
        pattern: [':datasetId', 'refreshes', ':refreshId'],
        methods: { GET: 'getRefreshExecutionDetails', DELETE: 'cancelRefresh' },
    },
];

/** Routes of the Groups API: `groups` alone, and `groups/{groupId}/users...` (segments after the group id). */
const groupShapes: RouteShape[] = [
    { pattern: ['users'], methods: { GET: 'getGroupUsers', POST: 'addGroupUser', PUT: 'updateGroupUser' } },
    { pattern: ['users', ':user'], methods: { DELETE: 'deleteGroupUser' } },
];

export type RouteMatch =
    | { kind: 'operation'; operation: OperationName; params: RouteParams }
    | { kind: 'methodNotAllowed' }
    | { kind: 'notFound' };

/**
 * Matches `/v1.0/myorg/groups`, `/v1.0/myorg/groups/{groupId}/users[/{user}]` and
 * `/v1.0/myorg/[groups/{groupId}/]datasets/...`. Literal segments match case-insensitively
 * (the service's routing does); captured segments are URL-decoded and kept as sent, since table
 * names are case-sensitive.
 */
export function matchRestRoute(method: string, pathname: string): RouteMatch {
    const segments = pathname.split('/').filter((segment) => segment !== '');
    if (segments.length < 3 || segments[0]?.toLowerCase() !== 'v1.0' || segments[1]?.toLowerCase() !== 'myorg') {
        return { kind: 'notFound' };
    }
    let rest = segments.slice(2);
    const params: RouteParams = {};
    if (rest[0]?.toLowerCase() === 'groups') {
        if (rest[1] === undefined) {
            return method === 'GET'
                ? { kind: 'operation', operation: 'getGroups', params }
                : { kind: 'methodNotAllowed' };
        }
        params.groupId = decode(rest[1]);
        rest = rest.slice(2);
        if (rest[0]?.toLowerCase() === 'users') return matchShapes(groupShapes, method, rest, params);
    }
    if (rest[0]?.toLowerCase() !== 'datasets') return { kind: 'notFound' };
    return matchShapes(shapes, method, rest.slice(1), params);
}

function matchShapes(table: RouteShape[], method: string, rest: string[], params: RouteParams): RouteMatch {
    for (const shape of table) {
        if (shape.pattern.length !== rest.length) continue;
        const captured: Record<string, string> = {};
        const matches = shape.pattern.every((part, index) => {
            const segment = rest[index] ?? '';
            if (part.startsWith(':')) {
                captured[part.slice(1)] = decode(segment);
                return true;
            }
            return part.toLowerCase() === segment.toLowerCase();
        });
        if (!matches) continue;
        const operation = shape.methods[method];
        if (!operation) return { kind: 'methodNotAllowed' };
        return { kind: 'operation', operation, params: { ...params, ...captured } };
    }
    return { kind: 'notFound' };
}

function decode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}
