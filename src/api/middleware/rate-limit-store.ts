import { createHash } from 'node:crypto';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { serviceUnavailable } from '../../errors';

/** MariaDB answers `INSERT … RETURNING` from 10.5 on, with the row as the upsert left it; MySQL has no RETURNING. */
export function upsertReturnsRow(version: string): boolean {
  // (a proxy may still show the "5.5.5-" prefix MariaDB's handshake puts before its own version)
  const mariadb = /^(\d+)\.(\d+)\.\d+.*mariadb/i.exec(version.replace(/^5\.5\.5-/, ''));
  return mariadb !== null && Number(mariadb[1]) * 1000 + Number(mariadb[2]) >= 10_005;
}

/** How an upsert's counter comes back: RETURNING through knex (SQLite), RETURNING added by hand (MariaDB), or a read. */
type CounterAnswer = 'returning' | 'returning appended' | 'read back';
type CounterRow = { hits: unknown; reset_at: unknown };

/**
 * express-rate-limit counters kept in the database, so every API process draws on the same budget:
 * one fixed window per key, counted with one atomic upsert (a window that has ended starts again at 1).
 * On SQLite and MariaDB the upsert answers the counter itself (RETURNING): one round trip per counted request,
 * where MySQL needs a second to read it back.
 */
export class DatabaseRateLimitStore implements Store {
  /** the counters are shared, not per process */
  readonly localKeys = false;
  private windowMs = 60_000;
  private increments = 0;
  /** how the counter comes back on a MySQL-protocol server (asked of the server once; again after a failed question) */
  private mysqlCounter: Promise<CounterAnswer> | undefined;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
    /** `false`: always read the counter back, as on MySQL (tests take that path on the other databases) */
    private readonly allowReturning = true,
  ) {}

  private counterAnswer(): Promise<CounterAnswer> {
    if (!this.allowReturning) return Promise.resolve('read back');
    if (this.db.client.config.client !== 'mysql2') return Promise.resolve('returning');
    this.mysqlCounter ??= this.db.raw('SELECT VERSION() AS version').then(
      ([rows]: [Array<{ version: string }>]) => (upsertReturnsRow(String(rows[0]?.version ?? '')) ? 'returning appended' : 'read back'),
      (err: unknown) => {
        this.mysqlCounter = undefined;
        throw err;
      },
    );
    return this.mysqlCounter;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private rowKey(key: string): string {
    return createHash('sha256').update(`${this.prefix}\0${key}`).digest('hex');
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row = await this.db('rate_limit_hits').where({ key: this.rowKey(key) }).first('hits', 'reset_at');
    if (!row || Number(row.reset_at) <= Date.now()) return undefined;
    return { totalHits: Number(row.hits), resetTime: new Date(Number(row.reset_at)) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const rowKey = this.rowKey(key);
    const now = Date.now();
    const resetAt = now + this.windowMs;
    // both databases read the old reset_at in each CASE (MySQL assigns left to right: hits before reset_at)
    const upsert = this.db('rate_limit_hits')
      .insert({ key: rowKey, hits: 1, reset_at: resetAt })
      .onConflict('key')
      .merge({
        hits: this.db.raw('CASE WHEN reset_at <= ? THEN 1 ELSE hits + 1 END', [now]),
        reset_at: this.db.raw('CASE WHEN reset_at <= ? THEN ? ELSE reset_at END', [now, resetAt]),
      });
    const row = await this.countedRow(upsert, rowKey);
    if (++this.increments % 500 === 0) void this.purgeExpired().catch(() => undefined);
    return { totalHits: Number(row?.hits ?? 1), resetTime: new Date(Number(row?.reset_at ?? resetAt)) };
  }

  /** The counter's row as the upsert left it: answered by the upsert itself where the database can, else read back. */
  private async countedRow(upsert: Knex.QueryBuilder, rowKey: string): Promise<CounterRow | undefined> {
    switch (await this.counterAnswer()) {
      case 'returning':
        return ((await upsert.returning(['hits', 'reset_at'])) as CounterRow[])[0];
      case 'returning appended': {
        // knex leaves RETURNING out on mysql2 (MySQL has none): MariaDB's is added to the statement knex built
        const { sql, bindings } = upsert.toSQL();
        const [rows] = (await this.db.raw(`${sql} RETURNING hits, reset_at`, bindings)) as [CounterRow[]];
        return rows[0];
      }
      case 'read back':
        await upsert;
        return this.db('rate_limit_hits').where({ key: rowKey }).first('hits', 'reset_at');
    }
  }

  async decrement(key: string): Promise<void> {
    await this.db('rate_limit_hits')
      .where({ key: this.rowKey(key) })
      .where('hits', '>', 0)
      .update({ hits: this.db.raw('hits - 1') });
  }

  async resetKey(key: string): Promise<void> {
    await this.db('rate_limit_hits').where({ key: this.rowKey(key) }).delete();
  }

  /** Ended windows are dead rows: dropped now and then, so the table holds only the current windows. */
  async purgeExpired(now: number = Date.now()): Promise<number> {
    return this.db('rate_limit_hits').where('reset_at', '<=', now).delete();
  }
}

/** Builds one store per limiter (each with its own prefix); the app passes it to the rate limits. */
export type RateLimitStoreFactory = (prefix: string) => Store;

export function databaseRateLimitStores(db: Db): RateLimitStoreFactory {
  return (prefix) => new DatabaseRateLimitStore(db, prefix);
}

/** The part of a node-redis client the store uses. */
export interface RedisLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  get(key: string): Promise<string | null>;
  pTTL(key: string): Promise<number>;
  decr(key: string): Promise<number>;
  del(key: string | string[]): Promise<number>;
}

/** INCR, and the window's expiry set by the key's first hit (or repaired when a key has lost it). */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if hits == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

/** The same counters in Redis (REDIS_URL): one INCR script per hit, the window as the key's expiry. */
export class RedisRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly redis: RedisLike,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  private redisKey(key: string): string {
    return `helpdesk:rl:${this.prefix}:${createHash('sha256').update(key).digest('hex')}`;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const redisKey = this.redisKey(key);
    const [hits, ttl] = await Promise.all([this.redis.get(redisKey), this.redis.pTTL(redisKey)]);
    if (hits === null || ttl < 0) return undefined;
    return { totalHits: Number(hits), resetTime: new Date(Date.now() + ttl) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const [hits, ttl] = (await this.redis.eval(INCREMENT, { keys: [this.redisKey(key)], arguments: [String(this.windowMs)] })) as [number, number];
    return { totalHits: Number(hits), resetTime: new Date(Date.now() + Number(ttl)) };
  }

  async decrement(key: string): Promise<void> {
    await this.redis.decr(this.redisKey(key));
  }

  async resetKey(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }
}

/** A store whose failures answer 503 (Retry-After), like any dependency that is down, never 500. */
function unavailableWhenFailing(store: Store, what: string): Store {
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R> | R) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        throw Object.assign(serviceUnavailable(`The rate-limit store (${what}) is unavailable right now; please try again shortly.`), { cause: err });
      }
    };
  return {
    localKeys: false,
    prefix: store.prefix,
    init: store.init?.bind(store),
    get: store.get ? guard(store.get.bind(store)) : undefined,
    increment: guard(store.increment.bind(store)),
    decrement: guard(store.decrement.bind(store)),
    resetKey: guard(store.resetKey.bind(store)),
  };
}

/**
 * The client, with the process's first connection awaited: a request that comes while it is still being made (a
 * replica that has just started) waits for it, at most `timeoutMs`, instead of failing at once (the offline queue is
 * off). Once that first attempt has ended, a command while Redis is unreachable fails at once, as before.
 */
export function untilFirstConnect(redis: RedisLike, connecting: Promise<unknown>, timeoutMs: number): RedisLike {
  let pending: Promise<void> | undefined = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    connecting.then(
      () => resolve(),
      () => resolve(),
    );
  }).then(() => {
    pending = undefined;
  });
  const after =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (pending) await pending;
      return call(...args);
    };
  return {
    eval: after((script, options) => redis.eval(script, options)),
    get: after((key) => redis.get(key)),
    pTTL: after((key) => redis.pTTL(key)),
    decr: after((key) => redis.decr(key)),
    del: after((key) => redis.del(key)),
  };
}

export interface RateLimitStores {
  stores: RateLimitStoreFactory;
  close(): Promise<void>;
}

/**
 * The shared counters every API process uses: Redis when REDIS_URL is set, else the help desk database.
 * Built once per process (server.ts); tests pass their own.
 */
export function createRateLimitStores(options: { redisUrl: string | undefined; db: Db; connectTimeoutMs?: number }): RateLimitStores {
  if (!options.redisUrl) {
    return { stores: (prefix) => unavailableWhenFailing(new DatabaseRateLimitStore(options.db, prefix), 'database'), close: async () => undefined };
  }
  // loaded only when configured
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createClient } = require('redis') as typeof import('redis');
  const client = createClient({
    url: options.redisUrl,
    // fail a request quickly (503) while Redis is down instead of queueing it; reconnect in the background
    disableOfflineQueue: true,
    socket: { connectTimeout: options.connectTimeoutMs ?? 5000, reconnectStrategy: (retries) => Math.min(2000, 100 * 2 ** retries) },
  });
  client.on('error', () => undefined);
  const redis = untilFirstConnect(client as unknown as RedisLike, client.connect(), options.connectTimeoutMs ?? 5000);
  return {
    stores: (prefix) => unavailableWhenFailing(new RedisRateLimitStore(redis, prefix), 'Redis'),
    async close() {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
}
