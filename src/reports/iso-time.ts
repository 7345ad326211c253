const DAY_MS = 86_400_000;
/** 0000-01-01 and 9999-12-31T23:59:59.999Z: the years toISOString writes with four digits */
const FIRST_MS = -62_167_219_200_000;
const LAST_MS = 253_402_300_799_999;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** "ss." for each second, "mmmZ" for each millisecond, "HH:MM:" for each minute of the day (made on the first formatter) */
const SECONDS = TWO_DIGITS.map((ss) => `${ss}.`);
const MILLISECONDS_Z = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);
let minutesOfDay: readonly string[] | undefined;
const DAY_SLOTS = 64;

/**
 * `new Date(ms).toISOString()`, for a column read in order: exports write two dates per row, and building a
 * Date for each costs more than the rest of the row. The day part is kept from earlier calls (rows come
 * sorted by date, so a column's days rarely change) and the time of day is plain arithmetic, put together from four pieces
 * (a string of a piece per field cost twice as much, mostly joining them). One formatter per column.
 */
export function createIsoFormatter(): (epochMs: number) => string {
  const minutes = (minutesOfDay ??= Array.from({ length: 1440 }, (_, i) => `${TWO_DIGITS[Math.floor(i / 60)]}:${TWO_DIGITS[i % 60]}:`));
  // the days seen last, by day number modulo DAY_SLOTS: a column in date order (created) stays on one, one that
  // follows it (closed: some days later) goes back and forth between a few
  const days = new Array<number>(DAY_SLOTS).fill(Number.NaN);
  const dayPrefixes = new Array<string>(DAY_SLOTS).fill('');
  return (epochMs) => {
    if (!Number.isInteger(epochMs) || epochMs < FIRST_MS || epochMs > LAST_MS) return new Date(epochMs).toISOString();
    const thisDay = Math.floor(epochMs / DAY_MS);
    const slot = thisDay & (DAY_SLOTS - 1);
    if (days[slot] !== thisDay) {
      days[slot] = thisDay;
      dayPrefixes[slot] = new Date(thisDay * DAY_MS).toISOString().slice(0, 11);
    }
    const dayPrefix = dayPrefixes[slot];
    let rest = epochMs - thisDay * DAY_MS;
    const minute = Math.floor(rest / 60_000);
    rest -= minute * 60_000;
    const seconds = Math.floor(rest / 1000);
    return dayPrefix + minutes[minute] + SECONDS[seconds] + MILLISECONDS_Z[rest - seconds * 1000];
  };
}

const MYSQL_DATETIME_MS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;

/**
 * A MySQL DATETIME(3) read as text in UTC ("2024-03-01 10:00:00.000", mysql2's `dateStrings`) as an ISO 8601
 * instant; anything else (a column without milliseconds) goes through Date.
 */
export function isoFromMysqlDateTime(text: string): string {
  if (MYSQL_DATETIME_MS.test(text)) return `${text.slice(0, 10)}T${text.slice(11)}Z`;
  return new Date(/Z|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).toISOString();
}
