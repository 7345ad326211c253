import { untilFirstConnect, type RedisLike } from '../../src/api/middleware/rate-limit-store';

/** A stand-in client that answers only once "connected", and fails at once before that (no offline queue). */
function fakeRedis() {
  const state = { connected: false, calls: 0 };
  const answer = async <T>(value: T): Promise<T> => {
    state.calls += 1;
    if (!state.connected) throw new Error('The client is closed');
    return value;
  };
  const redis: RedisLike = {
    eval: () => answer([1, 60_000]),
    get: () => answer('1'),
    pTTL: () => answer(60_000),
    decr: () => answer(0),
    del: () => answer(1),
  };
  return { state, redis };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Redis rate-limit counters while the first connection is being made', () => {
  it('a command issued before the first connection is made waits for it and succeeds', async () => {
    const { state, redis } = fakeRedis();
    const connecting = deferred();
    const client = untilFirstConnect(redis, connecting.promise, 5000);
    const answer = client.eval('script', { keys: ['k'], arguments: ['60000'] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(state.calls).toBe(0);
    state.connected = true;
    connecting.resolve();
    await expect(answer).resolves.toEqual([1, 60_000]);
  });

  it('once the first attempt has failed, a command while Redis is down fails at once (the caller answers 503)', async () => {
    const { redis } = fakeRedis();
    const connecting = deferred();
    const client = untilFirstConnect(redis, connecting.promise, 5000);
    connecting.reject(new Error('ECONNREFUSED'));
    await expect(client.get('k')).rejects.toThrow('The client is closed');
  });

  it('a first connection that never comes holds a command no longer than the connect timeout', async () => {
    const { state, redis } = fakeRedis();
    const client = untilFirstConnect(redis, new Promise(() => undefined), 50);
    await expect(client.decr('k')).rejects.toThrow('The client is closed');
    expect(state.calls).toBe(1);
    // and later commands are not held at all
    state.connected = true;
    await expect(client.del('k')).resolves.toBe(1);
  });
});
