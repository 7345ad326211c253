import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config';
import { migrationSource } from '../../migrations';

export type Db = Knex;

/** How long the database may take before a caller gets an error (a 503 from the API) instead of waiting. */
export interface DatabaseTimeouts {
  /** waiting for a free pooled connection (knex acquireConnectionTimeout), where requests wait (the API) */
  acquireTimeoutMs: number;
  /** opening a TCP connection to MySQL/MariaDB (mysql2 connectTimeout) */
  connectTimeoutMs: number;
  /** one statement, applied only where createDb is asked to (the API): lock waits included */
  queryTimeoutMs: number;
}

type DatabaseConfig = Config['database'];

function mysqlConnection(url: string, connectTimeoutMs = 5000): Knex.MySql2ConnectionConfig {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.replace(/^\//, ''),
    timezone: 'Z',
    charset: 'utf8mb4',
    decimalNumbers: true,
    supportBigNumbers: true,
    connectTimeout: connectTimeoutMs,
  };
}

interface RawMysqlConnection {
  query(sql: string, callback: (err: Error | null, rows?: Array<{ version?: string }>) => void): void;
}

/**
 * Bounds every statement of the session, lock waits included: MariaDB's max_statement_time covers any
 * statement; MySQL's max_execution_time covers reads only, so writes rely on the two lock-wait limits.
 */
function limitStatements(conn: RawMysqlConnection, timeoutMs: number, done: (err: Error | null, conn: unknown) => void): void {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  conn.query('SELECT VERSION() AS version', (err, rows) => {
    if (err) return done(err, conn);
    const statementLimit = /mariadb/i.test(rows?.[0]?.version ?? '') ? `max_statement_time = ${timeoutMs / 1000}` : `max_execution_time = ${timeoutMs}`;
    conn.query(`SET SESSION ${statementLimit}, lock_wait_timeout = ${seconds}, innodb_lock_wait_timeout = ${seconds}`, (setErr) =>
      done(setErr, conn),
    );
  });
}

export interface CreateDbOptions {
  /**
   * The API, whose requests must answer (503) rather than hang: bounded pool waits and statements (on SQLite
   * the busy timeout). Workers leave it off: a report export holds SQLite's one connection for its whole run,
   * and exports and cleanup batches legitimately take longer than a request may.
   */
  interactive?: boolean;
}

/** knex's own default, for processes where nothing waits on an answer */
const BACKGROUND_ACQUIRE_TIMEOUT_MS = 60_000;

export function createDb(database: DatabaseConfig, pool: { min?: number; max?: number } = {}, options: CreateDbOptions = {}): Db {
  const timeouts: DatabaseTimeouts = database;
  const acquireConnectionTimeout = options.interactive ? timeouts.acquireTimeoutMs : BACKGROUND_ACQUIRE_TIMEOUT_MS;
  if (database.client === 'mysql2') {
    return knexFactory({
      client: 'mysql2',
      connection: mysqlConnection(database.url, timeouts.connectTimeoutMs),
      acquireConnectionTimeout,
      pool: {
        min: pool.min ?? 0,
        max: pool.max ?? 10,
        ...(options.interactive
          ? { afterCreate: (conn: RawMysqlConnection, done: (err: Error | null, conn: unknown) => void) => limitStatements(conn, timeouts.queryTimeoutMs, done) }
          : {}),
      },
    });
  }
  fs.mkdirSync(path.dirname(database.filename), { recursive: true });
  // better-sqlite3 waits for a lock synchronously: the whole process stalls for up to the busy timeout
  const busyTimeoutMs = options.interactive ? timeouts.queryTimeoutMs : 15_000;
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: database.filename },
    useNullAsDefault: true,
    acquireConnectionTimeout,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        // several processes share the file: WAL lets readers run beside one writer
        conn.pragma('journal_mode = WAL');
        conn.pragma(`busy_timeout = ${busyTimeoutMs}`);
        conn.pragma('foreign_keys = ON');
        conn.pragma('synchronous = NORMAL');
        done(null, conn);
      },
    },
  });
}

/** The API process's connection: pool waits bounded by DB_ACQUIRE_TIMEOUT_MS, statements by DB_QUERY_TIMEOUT_MS. */
export function createApiDb(database: DatabaseConfig): Db {
  return createDb(database, {}, { interactive: true });
}

export function isSqlite(db: Db): boolean {
  return db.client.config.client === 'better-sqlite3';
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

/** Creates the MySQL database named in the URL when it does not exist yet. */
export async function ensureMysqlDatabase(url: string): Promise<void> {
  const connection = mysqlConnection(url);
  const name = connection.database as string;
  if (!/^\w+$/.test(name)) throw new Error(`DATABASE_URL names an invalid database "${name}"`);
  const admin = knexFactory({ client: 'mysql2', connection: { ...connection, database: undefined }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.destroy();
  }
}

export async function dropMysqlDatabase(url: string): Promise<void> {
  const connection = mysqlConnection(url);
  const name = connection.database as string;
  if (!/^\w+$/.test(name)) throw new Error(`invalid database name "${name}"`);
  const admin = knexFactory({ client: 'mysql2', connection: { ...connection, database: undefined }, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.destroy();
  }
}

/**
 * Resolves when the database answers a read of the table every authenticated request reads, within the
 * deadline; rejects otherwise (down, locked, or the pool exhausted by requests that are waiting on it).
 */
export async function checkDb(db: Db, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const probe = db('users').first('id').then(() => undefined);
  try {
    await Promise.race([probe, deadline]);
  } finally {
    clearTimeout(timer);
    // a probe that answers after the deadline must not become an unhandled rejection
    probe.catch(() => undefined);
  }
}
