import { RestartBackoff } from '../../src/cli/child-process-supervisor';

describe('the pause before a crashed process (or the dev server) is started again', () => {
  it('doubles while it keeps dying at once, up to the cap', () => {
    const backoff = new RestartBackoff(1000, 30_000, 60_000);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => backoff.next(500))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it('is short again once a run lasted long enough to count as healthy', () => {
    const backoff = new RestartBackoff(1000, 30_000, 60_000);
    backoff.next(10);
    backoff.next(10);
    expect(backoff.next(10)).toBe(4000);
    expect(backoff.next(60_000)).toBe(1000);
    expect(backoff.next(10)).toBe(2000);
  });
});
