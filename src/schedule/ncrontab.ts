/**
 * NCRONTAB schedules as the Functions timer trigger reads them: six fields
 * `{second} {minute} {hour} {day} {month} {day-of-week}` in UTC (five fields, without seconds, are
 * accepted too, as NCrontab does; refreshSchedule.ts reads the same fields on a time zone's wall clock). Each field takes `*`, numbers, names (JAN-DEC, SUN-SAT), ranges
 * `a-b`, steps `*\/s`, `a-b/s` and `a/s`, and comma lists.
 *
 * Unlike Vixie cron, NCrontab requires both day-of-month and day-of-week to match when both are
 * restricted, so `0 0 0 13 * FRI` fires only on Friday the 13th. We follow NCrontab
 * (https://github.com/atifaziz/NCrontab), which is what the host uses.
 */

interface FieldSpec {
    name: string;
    min: number;
    max: number;
    names?: readonly string[];
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const fieldSpecs: readonly FieldSpec[] = [
    { name: 'second', min: 0, max: 59 },
    { name: 'minute', min: 0, max: 59 },
    { name: 'hour', min: 0, max: 23 },
    { name: 'day', min: 1, max: 31 },
    { name: 'month', min: 1, max: 12, names: monthNames },
    { name: 'day-of-week', min: 0, max: 6, names: dayNames },
];

/** How far ahead `next` searches before deciding a schedule never fires (e.g. `0 0 0 30 FEB *`). */
const searchYears = 8;

export class NcrontabSchedule {
    readonly expression: string;
    readonly #seconds: ReadonlySet<number>;
    readonly #minutes: ReadonlySet<number>;
    readonly #hours: ReadonlySet<number>;
    readonly #days: ReadonlySet<number>;
    readonly #months: ReadonlySet<number>;
    readonly #daysOfWeek: ReadonlySet<number>;

    constructor(expression: string, fields: readonly ReadonlySet<number>[]) {
        this.expression = expression;
        [this.#seconds, this.#minutes, this.#hours, this.#days, this.#months, this.#daysOfWeek] = fields as [
            ReadonlySet<number>,
            ReadonlySet<number>,
            ReadonlySet<number>,
            ReadonlySet<number>,
            ReadonlySet<number>,
            ReadonlySet<number>,
        ];
    }

    /** How many seconds of a minute the schedule fires at (the refresh timer ticks once a minute). */
    get secondsPerMinute(): number {
        return this.#seconds.size;
    }

    /** The first occurrence strictly after `after`, or undefined if there is none within `searchYears`. */
    next(after: Date): Date | undefined {
        // Work in whole seconds: the next candidate is the second after `after`.
        const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
        const limit = t.getUTCFullYear() + searchYears;
        while (t.getUTCFullYear() <= limit) {
            if (!this.#months.has(t.getUTCMonth() + 1)) {
                t.setUTCMonth(t.getUTCMonth() + 1, 1);
                t.setUTCHours(0, 0, 0);
                continue;
            }
            if (!this.#days.has(t.getUTCDate()) || !this.#daysOfWeek.has(t.getUTCDay())) {
                t.setUTCDate(t.getUTCDate() + 1);
                t.setUTCHours(0, 0, 0);
                continue;
            }
            if (!this.#hours.has(t.getUTCHours())) {
                t.setUTCHours(t.getUTCHours() + 1, 0, 0);
                continue;
            }
            if (!this.#minutes.has(t.getUTCMinutes())) {
                t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
                continue;
            }
            if (!this.#seconds.has(t.getUTCSeconds())) {
                t.setUTCSeconds(t.getUTCSeconds() + 1);
                continue;
            }
            return t;
        }
        return undefined;
    }
}

export class NcrontabError extends Error {
    constructor(expression: string, reason: string) {
        super(`Invalid NCRONTAB expression "${expression}": ${reason}`);
        this.name = 'NcrontabError';
    }
}

export function parseNcrontab(expression: string): NcrontabSchedule {
    const parts = expression.trim().split(/\s+/);
    if (parts.length === 5) {
        parts.unshift('0');
    }
    if (parts.length !== 6) {
        throw new NcrontabError(
            expression,
            `expected 6 fields (second minute hour day month day-of-week), got ${parts.length}`,
        );
    }
    const fields = fieldSpecs.map((spec, i) => parseField(expression, parts[i]!, spec));
    return new NcrontabSchedule(expression, fields);
}

function parseField(expression: string, text: string, spec: FieldSpec): Set<number> {
    const values = new Set<number>();
    for (const item of text.split(',')) {
        const [rangeText, stepText, ...rest] = item.split('/');
        if (rest.length > 0 || rangeText === undefined || rangeText === '') {
            throw new NcrontabError(expression, `bad ${spec.name} "${item}"`);
        }
        let step = 1;
        if (stepText !== undefined) {
            step = parseNumber(expression, stepText, spec, 'step');
            if (step < 1) {
                throw new NcrontabError(expression, `${spec.name} step must be at least 1 in "${item}"`);
            }
        }
        let from: number;
        let to: number;
        if (rangeText === '*') {
            from = spec.min;
            to = spec.max;
        } else if (rangeText.includes('-')) {
            const [fromText, toText, ...extra] = rangeText.split('-');
            if (extra.length > 0 || !fromText || !toText) {
                throw new NcrontabError(expression, `bad ${spec.name} range "${rangeText}"`);
            }
            from = parseValue(expression, fromText, spec);
            to = parseValue(expression, toText, spec);
            if (from > to) {
                throw new NcrontabError(expression, `${spec.name} range "${rangeText}" runs backwards`);
            }
        } else {
            from = parseValue(expression, rangeText, spec);
            // `a/s` means "from a to the end of the field, every s" (NCrontab and Vixie cron agree).
            to = stepText === undefined ? from : spec.max;
        }
        for (let v = from; v <= to; v += step) {
            values.add(v);
        }
    }
    return values;
}

function parseValue(expression: string, text: string, spec: FieldSpec): number {
    const nameIndex = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    const value = nameIndex >= 0 ? nameIndex + spec.min : parseNumber(expression, text, spec, 'value');
    if (value < spec.min || value > spec.max) {
        throw new NcrontabError(expression, `${spec.name} ${text} is outside ${spec.min}-${spec.max}`);
    }
    return value;
}

function parseNumber(expression: string, text: string, spec: FieldSpec, what: string): number {
    if (!/^\d+$/.test(text)) {
        throw new NcrontabError(
            expression,
            `${spec.name} ${what} "${text}" is not a number${spec.names ? ' or name' : ''}`,
        );
    }
    return Number(text);
}
