import { createdAtRange, normalizeFilters, parseFilterDate } from '../../src/reports/filters';

describe('report filter dates', () => {
  it.each(['2024-02-30', '2024-13-01', '01/02/2024', 'yesterday', '2024-01-01T10:00', '2024-1-1', ''])('rejects %j', (value) => {
    expect(parseFilterDate(value)).toBeUndefined();
  });

  it('reads calendar dates as UTC midnight and date-times with their offset', () => {
    expect(parseFilterDate('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseFilterDate('2024-03-01T10:00:00+02:00')?.toISOString()).toBe('2024-03-01T08:00:00.000Z');
  });

  it('makes a date-only `to` cover its whole day and a date-time `to` inclusive', () => {
    expect(createdAtRange({ from: '2024-01-01', to: '2024-01-31' })).toEqual({
      from: new Date('2024-01-01T00:00:00.000Z'),
      before: new Date('2024-02-01T00:00:00.000Z'),
    });
    expect(createdAtRange({ to: '2024-01-31T12:00:00Z' }).before?.toISOString()).toBe('2024-01-31T12:00:00.001Z');
    expect(createdAtRange({})).toEqual({ from: undefined, before: undefined });
  });

  it('drops empty lists and duplicates', () => {
    expect(normalizeFilters({ companyIds: [3, 1, 3], statuses: [], priorities: ['low', 'low'] })).toEqual({
      companyIds: [1, 3],
      priorities: ['low'],
    });
  });
});
