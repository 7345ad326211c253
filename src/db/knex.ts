import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config';
import { migrationSource } from '../../migrations';

export type Db = Knex;

function mysqlConnection(url: string): Knex.MySql2ConnectionConfig {
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
  };
}

export function createDb(database: Config['database'], pool: { min?: number; max?: number } = {}): Db {
  if (database.client === 'mysql2') {
    return knexFactory({
      client: 'mysql2',
      connection: mysqlConnection(database.url),
      pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    });
  }
  fs.mkdirSync(path.dirname(database.filename), { recursive: true });
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: database.filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        // several processes share the file: WAL lets readers run beside one writer
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 15000');
        conn.pragma('foreign_keys = ON');
        conn.pragma('synchronous = NORMAL');
        done(null, conn);
      },
    },
  });
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

export async function checkDb(db: Db): Promise<void> {
  await db.raw('select 1');
}
