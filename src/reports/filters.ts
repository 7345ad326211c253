import { z } from 'zod';
import type { ReportFilters } from '../jobs/contract';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DAY_MS = 86_400_000;

/** Filter dates are written with years in this range: what a MySQL DATETIME column can hold. */
export const FILTER_YEAR_MIN = 1000;
export const FILTER_YEAR_MAX = 9999;
/** The first and last storable instants; a bound an offset carries past them is held at them. */
export const CREATED_AT_MIN = new Date(Date.UTC(FILTER_YEAR_MIN, 0, 1));
export const CREATED_AT_MAX = new Date(Date.UTC(FILTER_YEAR_MAX, 11, 31, 23, 59, 59, 999));
// the largest offset in use anywhere (Kiribati, +14:00)
const MAX_OFFSET_MINUTES = 14 * 60;

export const FILTER_DATE_FORMAT = 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone';

export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

type Checked = { date: Date; dateOnly: boolean } | { problem: string };

/**
 * Reads a filter date field by field, because Date would roll 2026-02-30 over to March and
 * T24:00 over to the next day instead of refusing them.
 */
function checkFilterDate(value: string): Checked {
  const dateOnly = DATE_ONLY.exec(value);
  const dateTime = dateOnly ? null : DATE_TIME.exec(value);
  const parts = dateOnly ?? dateTime;
  if (!parts) return { problem: FILTER_DATE_FORMAT };
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (year < FILTER_YEAR_MIN || year > FILTER_YEAR_MAX) {
    return { problem: `must be a date between ${FILTER_YEAR_MIN}-01-01 and ${FILTER_YEAR_MAX}-12-31` };
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { problem: `${parts[1]}-${parts[2]}-${parts[3]} is not a day of the calendar` };
  }
  if (!dateTime) return { date: new Date(Date.UTC(year, month - 1, day)), dateOnly: true };
  const [hour, minute, second] = [Number(dateTime[4]), Number(dateTime[5]), Number(dateTime[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) {
    return { problem: 'must be a time of day from 00:00:00 to 23:59:59 (24:00 and leap seconds are not accepted)' };
  }
  const millis = Number((dateTime[7] ?? '0').padEnd(3, '0'));
  let offsetMinutes = 0;
  if (dateTime[8]) {
    const [offsetHours, offsetMins] = [Number(dateTime[9]), Number(dateTime[10])];
    if (offsetMins > 59 || offsetHours * 60 + offsetMins > MAX_OFFSET_MINUTES) return { problem: 'must have a time-zone offset between -14:00 and +14:00' };
    offsetMinutes = (dateTime[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { date: new Date(utc), dateOnly: false };
}

/** Why a filter date is refused, or undefined when it is fine. */
export function filterDateProblem(value: string): string | undefined {
  const checked = checkFilterDate(value);
  return 'problem' in checked ? checked.problem : undefined;
}

/** A calendar date (UTC midnight) or an ISO 8601 date-time with an offset; undefined when it is neither. */
export function parseFilterDate(value: string): Date | undefined {
  const checked = checkFilterDate(value);
  return 'problem' in checked ? undefined : checked.date;
}

/** The zod type of `filters.from` and `filters.to`, with the reason in the field error. */
export const filterDateSchema = z.string().superRefine((value, ctx) => {
  const problem = filterDateProblem(value);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

/** The window as written, before it is held to the storable range: first and last instant. */
function rawWindow(filters: Pick<ReportFilters, 'from' | 'to'>): { from?: Date; to?: Date } {
  const read = (field: 'from' | 'to') => {
    const value = filters[field];
    if (!value) return undefined;
    const checked = checkFilterDate(value);
    if ('problem' in checked) throw new RangeError(`filters.${field} ${checked.problem}: ${value}`);
    return checked;
  };
  const from = read('from');
  const to = read('to');
  return { from: from?.date, to: to && new Date(to.date.getTime() + (to.dateOnly ? DAY_MS - 1 : 0)) };
}

/**
 * The created_at window as a closed interval [from, to], to the millisecond (created_at is stored
 * with millisecond precision). A date-only `to` covers that whole day; a date-time `to` is inclusive.
 * The last instant of the window is used rather than the first one after it, which for 9999-12-31
 * would be a year no DATETIME column can hold; bounds that an offset carries past the storable
 * range are held at its ends, and `empty` says the window lies wholly outside it.
 */
export function createdAtRange(filters: ReportFilters): { from?: Date; to?: Date; empty: boolean } {
  const { from, to } = rawWindow(filters);
  const empty = (from !== undefined && from > CREATED_AT_MAX) || (to !== undefined && to < CREATED_AT_MIN);
  return {
    from: from && (from < CREATED_AT_MIN ? CREATED_AT_MIN : from),
    to: to && (to > CREATED_AT_MAX ? CREATED_AT_MAX : to),
    empty,
  };
}

/** Why `from` and `to` together make no window (from after the end of to), or undefined. */
export function filterRangeProblem(filters: Pick<ReportFilters, 'from' | 'to'>): string | undefined {
  if (!filters.from || !filters.to || filterDateProblem(filters.from) || filterDateProblem(filters.to)) return undefined;
  const { from, to } = rawWindow(filters);
  return from && to && from > to ? 'must not be before filters.from' : undefined;
}

/** Drops empty lists so "no filter" has one spelling in stored filters and in the query. */
export function normalizeFilters(filters: ReportFilters): ReportFilters {
  const out: ReportFilters = {};
  if (filters.from) out.from = filters.from;
  if (filters.to) out.to = filters.to;
  if (filters.companyIds?.length) out.companyIds = [...new Set(filters.companyIds)].sort((a, b) => a - b);
  if (filters.statuses?.length) out.statuses = [...new Set(filters.statuses)];
  if (filters.priorities?.length) out.priorities = [...new Set(filters.priorities)];
  return out;
}
