import { reportRequestBody } from '../../src/api/routes/reports';
import {
  CREATED_AT_MAX,
  CREATED_AT_MIN,
  createdAtRange,
  filterDateProblem,
  filterRangeProblem,
  normalizeFilters,
  parseFilterDate,
} from '../../src/reports/filters';

describe('report filter dates', () => {
  it.each(['2024-02-30', '2024-13-01', '01/02/2024', 'yesterday', '2024-01-01T10:00', '2024-1-1', ''])('rejects %j', (value) => {
    expect(parseFilterDate(value)).toBeUndefined();
  });

  it.each([
    ['2026-02-30', 'is not a day of the calendar'],
    ['2026-02-30T10:00:00Z', 'is not a day of the calendar'],
    ['2023-02-29T00:00Z', 'is not a day of the calendar'],
    ['2024-04-31', 'is not a day of the calendar'],
    ['2024-00-10', 'is not a day of the calendar'],
    ['2024-01-00', 'is not a day of the calendar'],
    ['2024-01-01T24:00Z', '24:00'],
    ['2024-01-01T24:00:00Z', '24:00'],
    ['2024-01-01T24:00:00.000+01:00', '24:00'],
    ['2024-01-01T23:60:00Z', '23:59:59'],
    ['2024-01-01T23:59:60Z', '23:59:59'],
    ['2024-01-01T10:00:00+14:01', '+14:00'],
    ['2024-01-01T10:00:00-15:00', '+14:00'],
    ['2024-01-01T10:00:00+02:60', '+14:00'],
    ['0001-01-01T00:00:00+14:00', 'between 1000-01-01 and 9999-12-31'],
    ['0999-12-31', 'between 1000-01-01 and 9999-12-31'],
    ['2024-01-01T10:00:00.1234Z', 'ISO 8601'],
  ])('refuses %j and says why', (value, reason) => {
    expect(parseFilterDate(value)).toBeUndefined();
    expect(filterDateProblem(value)).toContain(reason);
  });

  it('reads calendar dates as UTC midnight and date-times with their offset', () => {
    expect(parseFilterDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseFilterDate('2024-03-01T10:00:00+02:00')?.toISOString()).toBe('2024-03-01T08:00:00.000Z');
    expect(parseFilterDate('2024-03-01T10:00-05:30')?.toISOString()).toBe('2024-03-01T15:30:00.000Z');
    expect(parseFilterDate('2024-03-01T10:00:00.5Z')?.toISOString()).toBe('2024-03-01T10:00:00.500Z');
    expect(parseFilterDate('2024-12-31T23:59:59.999+14:00')?.toISOString()).toBe('2024-12-31T09:59:59.999Z');
    expect(filterDateProblem('2024-02-29T23:59:59Z')).toBeUndefined();
  });

  it('makes a date-only `to` cover its whole day and a date-time `to` inclusive', () => {
    expect(createdAtRange({ from: '2024-01-01', to: '2024-01-31' })).toEqual({
      from: new Date('2024-01-01T00:00:00.000Z'),
      to: new Date('2024-01-31T23:59:59.999Z'),
      empty: false,
    });
    expect(createdAtRange({ to: '2024-01-31T12:00:00Z' }).to?.toISOString()).toBe('2024-01-31T12:00:00.000Z');
    expect(createdAtRange({})).toEqual({ from: undefined, to: undefined, empty: false });
  });

  it('ends a `to` of 9999-12-31 at the last storable millisecond instead of overflowing into year 10000', () => {
    expect(createdAtRange({ to: '9999-12-31' })).toEqual({ from: undefined, to: new Date('9999-12-31T23:59:59.999Z'), empty: false });
    expect(CREATED_AT_MAX.toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  it('holds bounds that an offset carries past the storable range at its ends', () => {
    expect(createdAtRange({ from: '1000-01-01T00:00:00+14:00', to: '9999-12-31T23:59:59-14:00' })).toEqual({
      from: CREATED_AT_MIN,
      to: CREATED_AT_MAX,
      empty: false,
    });
    expect(CREATED_AT_MIN.toISOString()).toBe('1000-01-01T00:00:00.000Z');
  });

  it('marks a window wholly outside the storable range as empty', () => {
    expect(createdAtRange({ from: '9999-12-31T23:00:00-14:00' }).empty).toBe(true);
    expect(createdAtRange({ to: '1000-01-01T05:00:00+14:00' }).empty).toBe(true);
  });

  it('throws on a stored filter date it cannot read rather than dropping the bound', () => {
    expect(() => createdAtRange({ to: '2024-01-01T24:00:00Z' })).toThrow(/filters\.to/);
  });

  it('lets `from` fall anywhere within a date-only `to` day, and refuses a `from` after its end', () => {
    expect(filterRangeProblem({ from: '2024-01-31T18:00:00Z', to: '2024-01-31' })).toBeUndefined();
    expect(filterRangeProblem({ from: '2024-02-01T00:00:00Z', to: '2024-01-31' })).toBe('must not be before filters.from');
    expect(filterRangeProblem({ from: '2024-02-01', to: '2024-01-31T23:59:59.999Z' })).toBe('must not be before filters.from');
  });

  it('drops empty lists and duplicates', () => {
    expect(normalizeFilters({ companyIds: [3, 1, 3], statuses: [], priorities: ['low', 'low'] })).toEqual({
      companyIds: [1, 3],
      priorities: ['low'],
    });
  });
});

describe('report request body', () => {
  const fieldsOf = (filters: Record<string, unknown>) => {
    const result = reportRequestBody.safeParse({ format: 'csv', filters });
    return result.success ? [] : result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
  };

  it.each([
    [{ to: '9999-12-31' }],
    [{ from: '1000-01-01', to: '9999-12-31T23:59:59-14:00' }],
    [{ from: '2024-01-31T18:00:00+00:00', to: '2024-01-31' }],
  ])('accepts %j', (filters) => {
    expect(fieldsOf(filters)).toEqual([]);
  });

  it.each([
    [{ from: '0001-01-01T00:00:00+14:00' }, 'filters.from', 'between 1000-01-01 and 9999-12-31'],
    [{ to: '2024-01-01T24:00:00Z' }, 'filters.to', '24:00'],
    [{ to: '2026-02-30' }, 'filters.to', '2026-02-30 is not a day of the calendar'],
    [{ from: '2026-02-30T08:00:00Z' }, 'filters.from', '2026-02-30 is not a day of the calendar'],
    [{ from: '2024-03-01', to: '2024-02-29' }, 'filters.to', 'must not be before filters.from'],
  ])('refuses %j naming %s', (filters, field, message) => {
    expect(fieldsOf(filters)).toEqual([{ field, message: expect.stringContaining(message) }]);
  });
});
