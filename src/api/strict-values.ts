import { z } from 'zod';
import './openapi/zod';

/** The digit strings of one length from lo to hi (both that long), as regex alternatives. */
function sameLengthRange(lo: string, hi: string): string[] {
  if (lo.length === 0) return [''];
  if (lo === hi) return [lo];
  const rest = lo.length - 1;
  const [lowRest, highRest] = [lo.slice(1), hi.slice(1)];
  if (lo[0] === hi[0]) return sameLengthRange(lowRest, highRest).map((tail) => lo[0] + tail);
  const parts: string[] = [];
  let [first, last] = [Number(lo[0]), Number(hi[0])];
  if (lowRest !== '0'.repeat(rest)) {
    parts.push(...sameLengthRange(lowRest, '9'.repeat(rest)).map((tail) => lo[0] + tail));
    first += 1;
  }
  const tails: string[] = [];
  if (highRest !== '9'.repeat(rest)) {
    tails.push(...sameLengthRange('0'.repeat(rest), highRest).map((tail) => hi[0] + tail));
    last -= 1;
  }
  if (first <= last) parts.push(`${first === last ? first : `[${first}-${last}]`}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  return [...parts, ...tails];
}

/** A pattern for exactly the integers min..max (min >= 0) in decimal digits without sign or leading zeros. */
export function decimalRangePattern(min: number, max: number): string {
  const alternatives: string[] = [];
  for (let length = String(min).length; length <= String(max).length; length++) {
    const lo = length === String(min).length ? String(min) : `1${'0'.repeat(length - 1)}`;
    const hi = length === String(max).length ? String(max) : '9'.repeat(length);
    alternatives.push(...sameLengthRange(lo, hi));
  }
  return `^(?:${alternatives.join('|')})$`;
}

/** The largest id every supported database's id columns hold (a signed 32-bit INT). */
export const MAX_ID = 2_147_483_647;

/**
 * An id in a path or a query string: canonical decimal digits only. `0x1`, `1e0`, ` 1`, `+1`, `1.0`, `01`
 * and `ticketId[]=1` are refused rather than coerced to 1, so every id has exactly one spelling.
 */
export const idString = z
  .string({ invalid_type_error: 'must be a single positive integer' })
  .regex(/^[1-9]\d{0,9}$/, 'must be a positive integer written in decimal digits, without sign, spaces or leading zeros')
  .transform(Number)
  .refine((id) => id <= MAX_ID, `must be at most ${MAX_ID}`)
  // the contract states exactly what is accepted: 1..MAX_ID in canonical decimal digits
  .openapi({ pattern: decimalRangePattern(1, MAX_ID), description: `an id from 1 to ${MAX_ID}, in decimal digits without sign or leading zeros` });

/** An id in a JSON body: a positive integer number no database id exceeds (`1e20` is refused, not rounded). */
export const idNumber = z.number().int().positive().max(MAX_ID);

/** A small positive count in a query string (limit, pageSize), with the same strict spelling as ids. */
export function countString(min: number, max: number) {
  return z
    .string({ invalid_type_error: 'must be a single integer' })
    .regex(/^(0|[1-9]\d{0,5})$/, 'must be an integer written in decimal digits')
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be between ${min} and ${max}`)
    .openapi({ pattern: decimalRangePattern(min, max), description: `from ${min} to ${max}, in decimal digits without sign or leading zeros` });
}

const zodDateTime = z.string().datetime({ offset: true });

/**
 * What `isoDateTime` accepts, as a JSON Schema pattern for the contract: zod's date-time with an offset
 * (leap years and all), ASCII digits only, offsets up to ±14:00. zod's own pattern already refuses 24:00 and 02-30.
 */
export const ISO_DATE_TIME_PATTERN =
  '^((\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)|(02)-(0[1-9]|1\\d|2[0-8])))T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d+)?)?(Z|[+-]((0\\d|1[0-3]):?[0-5]\\d|14:?00))$'.replace(
    /\\d/g,
    '[0-9]',
  );

/** Whether the offset (if any) is one in use on Earth: at most 14 hours, minutes 00-59; `-2501` is not an instant JavaScript can read. */
function offsetInRange(value: string): boolean {
  const match = /([+-])(\d{2}):?(\d{2})$/.exec(value);
  if (!match) return true;
  const [hours, minutes] = [Number(match[2]), Number(match[3])];
  return minutes <= 59 && hours * 60 + minutes <= 14 * 60;
}

/** Whether the written calendar date and clock time exist, instead of rolling over (24:00, 23:59:60, 02-30). */
function namesRealInstant(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

/**
 * An ISO 8601 date-time with a time zone that names a real instant as written: `T24:00`, `23:59:60`
 * and `02-30` are refused instead of rolling over to the next minute, day or month. One message per field.
 */
export const isoDateTime = z.string({ invalid_type_error: 'must be a single ISO 8601 date-time' }).superRefine((value, ctx) => {
  if (!zodDateTime.safeParse(value).success) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an ISO 8601 date-time with a time zone, like 2025-01-31T09:30:00Z' });
  } else if (!offsetInRange(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must have a time-zone offset between -14:00 and +14:00' });
  } else if (!namesRealInstant(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a real date and time (hours run 00-23, days as the month has)' });
  }
}).openapi({ pattern: ISO_DATE_TIME_PATTERN });

/** how many code points: a surrogate pair (an emoji) is one, as JSON Schema and a utf8mb4 column count it */
function codePointCount(value: string): number {
  let count = value.length;
  for (let i = 0; i < value.length - 1; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/**
 * Text of `min` to `max` characters, counted as the contract counts them: JSON Schema's minLength and maxLength
 * count code points, where zod's own min and max count UTF-16 units (an emoji is two). With zod's, a queue name of
 * 32 characters that the contract allows was refused when it held an emoji.
 */
export function textOfLength(min: number, max: number) {
  return z
    .string()
    .superRefine((value, ctx) => {
      const length = codePointCount(value);
      if (length < min) ctx.addIssue({ code: z.ZodIssueCode.too_small, minimum: min, type: 'string', inclusive: true, message: `String must contain at least ${min} character(s)` });
      else if (length > max) ctx.addIssue({ code: z.ZodIssueCode.too_big, maximum: max, type: 'string', inclusive: true, message: `String must contain at most ${max} character(s)` });
    })
    .openapi({ minLength: min, maxLength: max });
}
