import { upsertReturnsRow } from '../../src/api/middleware/rate-limit-store';

describe('which MySQL-protocol servers answer an upsert with RETURNING', () => {
  it.each([
    ['10.11.19-MariaDB-0+deb12u1', true],
    ['10.5.0-MariaDB', true],
    ['11.4.2-MariaDB-ubu2404', true],
    ['5.5.5-10.6.16-MariaDB', true],
    ['10.4.32-MariaDB', false],
    ['10.3.39-MariaDB-0+deb10u1', false],
    ['8.0.36', false],
    ['8.4.0-commercial', false],
    ['5.7.44-log', false],
    ['', false],
  ])('%s: %s', (version, expected) => {
    expect(upsertReturnsRow(version)).toBe(expected);
  });
});
