import type { ReportFilters } from '../jobs/contract';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

export function isDateOnly(value: string): boolean {
  return DATE_ONLY.test(value);
}

/** A calendar date (UTC midnight) or an ISO 8601 date-time with an offset; undefined when it is neither. */
export function parseFilterDate(value: string): Date | undefined {
  if (DATE_ONLY.test(value)) {
    const date = new Date(`${value}T00:00:00.000Z`);
    // rejects 2024-02-30 and friends, which Date would silently roll over
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? date : undefined;
  }
  if (DATE_TIME.test(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/**
 * The created_at window as a half-open interval [from, before).
 * A date-only `to` covers that whole day; a date-time `to` is inclusive to the millisecond.
 */
export function createdAtRange(filters: ReportFilters): { from?: Date; before?: Date } {
  const from = filters.from ? parseFilterDate(filters.from) : undefined;
  const to = filters.to ? parseFilterDate(filters.to) : undefined;
  if (filters.from && !from) throw new RangeError(`filters.from is not a date: ${filters.from}`);
  if (filters.to && !to) throw new RangeError(`filters.to is not a date: ${filters.to}`);
  const before = to && filters.to ? new Date(to.getTime() + (isDateOnly(filters.to) ? DAY_MS : 1)) : undefined;
  return { from, before };
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
