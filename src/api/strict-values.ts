import { z } from 'zod';

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
  .refine((id) => id <= MAX_ID, `must be at most ${MAX_ID}`);

/** An id in a JSON body: a positive integer number no database id exceeds (`1e20` is refused, not rounded). */
export const idNumber = z.number().int().positive().max(MAX_ID);

/** A small positive count in a query string (limit, pageSize), with the same strict spelling as ids. */
export function countString(min: number, max: number) {
  return z
    .string({ invalid_type_error: 'must be a single integer' })
    .regex(/^(0|[1-9]\d{0,5})$/, 'must be an integer written in decimal digits')
    .transform(Number)
    .refine((value) => value >= min && value <= max, `must be between ${min} and ${max}`);
}

const zodDateTime = z.string().datetime({ offset: true });

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
  } else if (!namesRealInstant(value)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is not a real date and time (hours run 00-23, days as the month has)' });
  }
});
