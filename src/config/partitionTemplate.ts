import { toWallTime } from '../schedule/wallClock';

/**
 * Partition names with date placeholders, expanded when a refresh starts, on the wall clock of the
 * target's time zone: {yyyy} year, {MM} month 01-12, {dd} day 01-31, {Q} quarter 1-4. `lastMonths: n`
 * (or `lastDays: n`) makes one object per month (day) from the current one back, so "this month and the
 * two before" is one entry.
 */
export const partitionTokens = ['yyyy', 'MM', 'dd', 'Q'] as const;

export interface ObjectTemplate {
    table: string;
    partition?: string;
    lastMonths?: number;
    lastDays?: number;
}

const placeholder = /\{([^{}]*)\}/g;

/** What is wrong with a template, or undefined when it can be expanded. */
export function templateProblem(object: ObjectTemplate): string | undefined {
    const tokens = [...(object.partition ?? '').matchAll(placeholder)].map((match) => match[1]!);
    const unknown = tokens.find((token) => !(partitionTokens as readonly string[]).includes(token));
    if (unknown !== undefined)
        return `unknown placeholder {${unknown}}; use ${partitionTokens.map((token) => `{${token}}`).join(', ')}`;
    if (object.lastMonths !== undefined && object.lastDays !== undefined) return 'set lastMonths or lastDays, not both';
    const periods = object.lastMonths ?? object.lastDays;
    if (periods !== undefined && tokens.length === 0)
        return `${object.lastMonths !== undefined ? 'lastMonths' : 'lastDays'} needs a partition name with placeholders such as {yyyy}-{MM}`;
    if (object.lastMonths !== undefined && tokens.includes('dd'))
        return '{dd} cannot be used with lastMonths (one partition per month)';
    return undefined;
}

const pad = (value: number) => String(value).padStart(2, '0');

function fill(template: string, date: Date): string {
    const values: Record<string, string> = {
        yyyy: String(date.getUTCFullYear()),
        MM: pad(date.getUTCMonth() + 1),
        dd: pad(date.getUTCDate()),
        Q: String(Math.floor(date.getUTCMonth() / 3) + 1),
    };
    return template.replace(placeholder, (_, token: string) => values[token] ?? `{${token}}`);
}

/** The objects of a refresh request at `now` in `timeZone`, templates expanded, duplicates removed. */
export function expandObjects(
    objects: readonly ObjectTemplate[],
    now: Date,
    timeZone: string,
): { table: string; partition?: string }[] {
    const wall = toWallTime(now, timeZone);
    const [year, month, day] = [wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate()];
    const expanded: { table: string; partition?: string }[] = [];
    const seen = new Set<string>();
    for (const object of objects) {
        if (object.partition === undefined) {
            expanded.push({ table: object.table });
            continue;
        }
        // Month arithmetic on (year, month) with day 1, so 31 March minus one month is February, not 3 March.
        const dates =
            object.lastDays !== undefined
                ? Array.from({ length: object.lastDays }, (_, i) => new Date(Date.UTC(year, month, day - i)))
                : Array.from(
                      { length: object.lastMonths ?? 1 },
                      (_, i) => new Date(Date.UTC(year, month - i, object.lastMonths === undefined ? day : 1)),
                  );
        for (const date of dates) {
            const partition = fill(object.partition, date);
            const key = JSON.stringify([object.table, partition]);
            if (seen.has(key)) continue;
            seen.add(key);
            expanded.push({ table: object.table, partition });
        }
    }
    return expanded;
}
