/**
 * The DateTime forms Power BI's own examples send: ISO 8601 (the date alone, or with a time and an optional
 * offset) and the US `M/D/YYYY[ h:mm[:ss][ AM|PM]]` of the Add Rows example ("ManufacturedOn": "07/30/2014").
 * Which forms the service parses is not documented. The relay (src/ingest/parseDateTime.ts, which the emulator
 * may not import) accepts exactly the same forms; test/support/dateTimeFormats.ts holds the cases both are
 * tested with. Seven fraction digits are .NET's DateTime precision (100 ns ticks).
 */
const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;
const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ([AaPp][Mm]))?)?$/;

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, the range of .NET's DateTime at millisecond precision. */
const minMs = -62_135_596_800_000;
const maxMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

interface Parts {
    year: number;
    month: number;
    day: number;
    hour: number;
    minute: number;
    second: number;
    millisecond: number;
    offsetMinutes: number;
}

function toParts(value: string): Parts | undefined {
    const isoMatch = iso.exec(value);
    if (isoMatch) {
        const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = isoMatch;
        let offsetMinutes = 0;
        if (zone.toUpperCase() !== 'Z') {
            const [, sign, hours, minutes] = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) ?? [];
            if (Number(hours) > 14 || Number(minutes) > 59) return undefined;
            offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
        }
        return {
            year: Number(year),
            month: Number(month),
            day: Number(day),
            hour: Number(hour),
            minute: Number(minute),
            second: Number(second),
            millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
            offsetMinutes,
        };
    }
    const usMatch = us.exec(value);
    if (!usMatch) return undefined;
    const [, month, day, year, hourText = '0', minute = '0', second = '0', meridiem] = usMatch;
    let hour = Number(hourText);
    if (meridiem !== undefined) {
        if (hour < 1 || hour > 12) return undefined;
        hour = (hour % 12) + (meridiem.toUpperCase() === 'PM' ? 12 : 0);
    }
    return {
        year: Number(year),
        month: Number(month),
        day: Number(day),
        hour,
        minute: Number(minute),
        second: Number(second),
        millisecond: 0,
        offsetMinutes: 0,
    };
}

/** Milliseconds since the epoch in UTC, or undefined for another form, an impossible date or an out-of-range instant. */
function toUtcMs(value: string): number | undefined {
    const parts = toParts(value);
    if (parts === undefined) return undefined;
    const { year, month, day, hour, minute, second, millisecond, offsetMinutes } = parts;
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
    // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    if (date.getUTCMonth() !== month - 1) return undefined;
    date.setUTCHours(hour, minute, second, millisecond);
    const ms = date.getTime() - offsetMinutes * 60_000;
    return ms < minMs || ms > maxMs ? undefined : ms;
}

/**
 * Parses a push DateTime value (a value without an offset is UTC) and returns it as an ISO string quantised
 * to 1/300 s, which is how the engine stores DateTime values. Rounding never carries past .NET's
 * DateTime.MaxValue: 9999-12-31T23:59:59.999Z is stored as ...59.997Z rather than in year 10000.
 */
export function parseDateTime(value: string): string | undefined {
    const ms = toUtcMs(value);
    if (ms === undefined) return undefined;
    const rounded = Math.round(ms * 0.3) / 0.3;
    const quantised = rounded > maxMs ? Math.floor(ms * 0.3) / 0.3 : rounded;
    return new Date(Math.round(quantised)).toISOString();
}
