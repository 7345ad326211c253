import { createSendGate } from '../../src/notifications/send-gate';

const later = (ms: number) => Date.now() + ms;

describe('the SMTP send gate', () => {
  it('lets as many conversations run as there are connections, and the next one in when one ends, in order', async () => {
    const gate = createSendGate(2);
    const first = await gate.acquire(later(1000));
    const second = await gate.acquire(later(1000));
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    const order: string[] = [];
    const third = gate.acquire(later(5000)).then((release) => {
      order.push('third');
      return release;
    });
    const fourth = gate.acquire(later(5000)).then((release) => {
      order.push('fourth');
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    expect(gate.waiting).toBe(2);
    first!();
    const thirdRelease = await third;
    expect(order).toEqual(['third']);
    expect(gate.active).toBe(2);
    second!();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    thirdRelease!();
    expect(gate.active).toBe(1);
  });

  it('gives up at the deadline without taking a connection, so the step can fail and be retried before it times out', async () => {
    const gate = createSendGate(1);
    const held = await gate.acquire(later(1000));
    const started = Date.now();
    expect(await gate.acquire(later(50))).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(gate.waiting).toBe(0);
    expect(await gate.acquire(Date.now() - 1)).toBeUndefined();
    held!();
    expect(gate.active).toBe(0);
    expect(await gate.acquire(later(10))).toBeDefined();
  });

  it('counts a connection given back twice only once', async () => {
    const gate = createSendGate(1);
    const release = await gate.acquire(later(100));
    release!();
    release!();
    expect(gate.active).toBe(0);
    const again = await gate.acquire(later(100));
    expect(gate.active).toBe(1);
    expect(await gate.acquire(later(20))).toBeUndefined();
    again!();
  });

  it('refuses a gate without connections', () => {
    expect(() => createSendGate(0)).toThrow('at least one connection');
  });
});
