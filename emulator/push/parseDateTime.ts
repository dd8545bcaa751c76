const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
// The spec's own PostRows example sends "07/30/2014" (US month/day/year).
const usDate = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Parses a push DateTime value (ISO 8601 or the US M/D/YYYY form of Microsoft's example) and returns
 * it as an ISO string quantised to 1/300 s, which is how the engine stores DateTime values.
 * Values without an offset are read as UTC.
 */
export function parseDateTime(value: string): string | undefined {
    let ms: number;
    if (iso.test(value)) {
        const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value) && value.includes('T');
        const normalised = value.replace(' ', 'T');
        ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : hasZone ? normalised : `${normalised}Z`);
    } else {
        const match = usDate.exec(value);
        if (!match) return undefined;
        const [, month, day, year, hour = '0', minute = '0', second = '0'] = match;
        const date = new Date(
            Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)),
        );
        if (date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return undefined;
        ms = date.getTime();
    }
    if (Number.isNaN(ms)) return undefined;
    const quantised = Math.round((ms * 3) / 10) * (10 / 3);
    return new Date(Math.round(quantised)).toISOString();
}
