import { loadConfig } from '../../src/config';
import { DEMO_SUBJECTS } from '../../src/db/demo-data';
import type { Db } from '../../src/db/knex';
import { prepareDatabase } from '../../src/db/prepare';
import { seedBulkTickets } from '../../src/db/seed-bulk';
import { DEMO_COMPANIES, DEMO_FAILING_USERS, DEMO_LOGINS, seedDemoData } from '../../src/db/seed-demo';
import { testEnv } from '../support/system';

// a database of its own: the demo seed expects an empty one, as on a fresh `npm start`
describe('demo data a person can explore', () => {
  let db: Db;
  let mysqlDatabase: string | undefined;

  beforeAll(async () => {
    const env = testEnv();
    const url = env.DATABASE_URL ? new URL(env.DATABASE_URL) : undefined;
    if (url) {
      mysqlDatabase = `${url.pathname.slice(1)}_demo${process.pid}`;
      url.pathname = `/${mysqlDatabase}`;
    }
    const config = loadConfig({ ...env, ...(url ? { DATABASE_URL: url.toString() } : { SQLITE_FILE: `${env.DATA_DIR}/demo.sqlite` }) });
    ({ db } = await prepareDatabase(config));
    await seedDemoData(db, new Date('2026-06-01T12:00:00Z'));
  }, 120_000);
  afterAll(async () => {
    if (mysqlDatabase) await db?.raw(`drop database if exists \`${mysqlDatabase}\``);
    await db?.destroy();
  });

  it('draws statuses and priorities independently: every combination has tickets, "open + high" included', async () => {
    const rows: Array<{ status: string; priority: string; n: number }> = await db('tickets').select('status', 'priority').count({ n: '*' }).groupBy('status', 'priority');
    expect(rows).toHaveLength(16);
    expect(rows.find((r) => r.status === 'open' && r.priority === 'high')).toBeDefined();
  });

  it('has several companies, multi-line and non-ASCII subjects, public and internal comments and watchers', async () => {
    expect((await db('companies').pluck('name')).sort()).toEqual([...DEMO_COMPANIES].sort());
    const subjects: string[] = await db('tickets').pluck('subject');
    expect(subjects.some((s) => s.includes('\n'))).toBe(true);
    expect(subjects.some((s) => [...s].some((ch) => ch.codePointAt(0)! > 0x7f))).toBe(true);
    expect(new Set(await db('tickets').pluck('company_id')).size).toBe(DEMO_COMPANIES.length);
    const internal: boolean[] = (await db('ticket_comments').distinct('is_internal').pluck('is_internal')).map(Boolean);
    expect(new Set(internal)).toEqual(new Set([true, false]));
    expect(Number((await db('ticket_watchers').count({ n: '*' }))[0].n)).toBeGreaterThan(50);
  });

  it('has the demo logins, a few users opted out of mail, an inactive one and the undeliverable addresses of the walkthrough', async () => {
    const users: Array<{ email: string; is_active: unknown; notifications_enabled: unknown }> = await db('users').select('email', 'is_active', 'notifications_enabled');
    const emails = users.map((u) => u.email);
    for (const login of DEMO_LOGINS) expect(emails).toContain(login.email);
    for (const failing of DEMO_FAILING_USERS) expect(emails).toContain(failing.email);
    expect(users.filter((u) => !Number(u.notifications_enabled)).length).toBeGreaterThanOrEqual(2);
    expect(users.filter((u) => !Number(u.is_active)).length).toBeGreaterThanOrEqual(1);
  });

  it('`npm run seed -- --tickets N` draws from the same generator: its subjects and every status and priority', async () => {
    const companyIds = (await db('companies').pluck('id')).map(Number);
    const userIds = (await db('users').pluck('id')).map(Number);
    const before = Number((await db('tickets').max({ id: 'id' }))[0].id);
    await seedBulkTickets(db, { count: 400, companyIds, userIds, seed: 5 });
    const added: Array<{ subject: string; status: string; priority: string }> = await db('tickets').where('id', '>', before).select('subject', 'status', 'priority');
    expect(added).toHaveLength(400);
    expect(added.every((t) => DEMO_SUBJECTS.some((s) => t.subject.startsWith(s)))).toBe(true);
    expect(new Set(added.map((t) => `${t.status}+${t.priority}`)).size).toBe(16);
  });
});
