import { percentile, timeAtConcurrency } from '../../bench/lib/latency';
import { totalRssMb, vmRssMbOf } from '../../bench/lib/process-tree';

describe('bench latency helpers', () => {
  it('the nearest-rank percentile is a measured value: p99 of 1..100 is 99, p100 the maximum, p50 the lower middle', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
  });

  it('refuses a percentile of nothing or outside 0..100', () => {
    expect(() => percentile([], 99)).toThrow('no values');
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('runs every call once and never more than the concurrency at a time', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const durations = await timeAtConcurrency(25, 4, async (index) => {
      running++;
      most = Math.max(most, running);
      seen.push(index);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
    });
    expect(durations).toHaveLength(25);
    expect(most).toBe(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('a failing call fails the run', async () => {
    await expect(
      timeAtConcurrency(5, 2, async (index) => {
        if (index === 3) throw new Error('HTTP 500');
      }),
    ).rejects.toThrow('HTTP 500');
  });
});

describe('bench memory helpers', () => {
  it('reads VmRSS in MB from /proc/<pid>/status', () => {
    expect(vmRssMbOf('Name:\tnode\nVmPeak:\t 900000 kB\nVmRSS:\t  204800 kB\nRssAnon:\t 1 kB\n')).toBe(200);
    expect(vmRssMbOf('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBeUndefined();
  });

  it('adds up the processes of a tree', () => {
    expect(totalRssMb([{ pid: 1, command: 'a', rssMb: 100.5 }, { pid: 2, command: 'b', rssMb: 50 }])).toBe(150.5);
    expect(totalRssMb([])).toBe(0);
  });
});
