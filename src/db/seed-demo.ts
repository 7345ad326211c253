import { hashPassword } from '../auth/passwords';
import type { Role } from '../auth/permissions';
import { DEMO_SUBJECTS, drawStatusAndPriority, pickFrom, seededRandom } from './demo-data';
import type { Db } from './knex';
import { createRepositories } from './repositories';

export const DEMO_PASSWORD = 'password';
export const DEMO_LOGINS = [
  { email: 'admin@helpdesk.test', role: 'admin' },
  { email: 'agent@helpdesk.test', role: 'agent' },
  { email: 'client@helpdesk.test', role: 'client (Acme Corp)' },
  { email: 'client2@helpdesk.test', role: 'client (Globex)' },
];
export const DEMO_COMPANIES = ['Acme Corp', 'Globex', 'Initech', 'Umbrella Health', 'Müller & Söhne GmbH'] as const;
/** whose mail a fresh `npm start` cannot deliver: the outbox refuses fail.test and defers tempfail.test (README walkthrough) */
export const DEMO_FAILING_USERS = [
  { email: 'bounce@fail.test', name: 'Bea Bounce' },
  { email: 'later@tempfail.test', name: 'Lars Later' },
] as const;

const DAY = 86_400_000;

export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const [row] = await db('users').count<{ n: number }[]>({ n: '*' });
  return Number(row.n) === 0;
}

/**
 * Demo data for `npm start`: 5 companies, the demo logins (a few opted out of mail, one inactive, two with
 * undeliverable addresses), ~300 tickets over 6 months with public and internal comments and watchers,
 * statuses and priorities drawn independently, 200 days of activity logs.
 */
export async function seedDemoData(db: Db, now: Date = new Date()): Promise<void> {
  const repos = createRepositories(db);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const rand = seededRandom(7);
  const companies = [];
  for (const name of DEMO_COMPANIES) companies.push(await repos.companies.create(name));

  const user = (email: string, name: string, role: Role, companyId: number | null, extra: { isActive?: boolean; notificationsEnabled?: boolean } = {}) =>
    repos.users.create({ email, name, role, companyId, passwordHash, ...extra });
  const admin = await user('admin@helpdesk.test', 'Ada Admin', 'admin', null);
  const agents = [
    await user('agent@helpdesk.test', 'Ana Agent', 'agent', companies[0].id),
    await user('agent2@helpdesk.test', 'Bruno Agent', 'agent', companies[1].id),
    await user('agent3@helpdesk.test', 'Chloé Agent', 'agent', companies[2].id),
    await user('agent4@helpdesk.test', 'Dario Agent (away)', 'agent', companies[0].id, { notificationsEnabled: false }),
  ];
  const clients = [
    await user('client@helpdesk.test', 'Carla Client', 'client', companies[0].id),
    await user('client2@helpdesk.test', 'Gus Globex', 'client', companies[1].id),
    await user('client3@helpdesk.test', 'Ines Initech', 'client', companies[2].id),
    await user('former@helpdesk.test', 'Former Client', 'client', companies[0].id, { isActive: false }),
    await user('client4@helpdesk.test', 'Uma Umbrella (no mail)', 'client', companies[3].id, { notificationsEnabled: false }),
    await user('client5@helpdesk.test', 'Jürgen Müller', 'client', companies[4].id),
  ];
  const failing = [];
  for (const f of DEMO_FAILING_USERS) failing.push(await user(f.email, f.name, 'agent', companies[0].id));
  const requesters = [clients[0], clients[1], clients[2], clients[4], clients[5]];

  for (let i = 0; i < 300; i++) {
    const c = i % companies.length;
    const company = companies[c];
    const requester = requesters[c];
    const createdAt = new Date(now.getTime() - ((i * 181) % 180) * DAY - (i % 24) * 3_600_000);
    const { status, priority } = drawStatusAndPriority(rand);
    const ticket = await repos.tickets.create({
      companyId: company.id,
      requesterId: requester.id,
      assigneeId: i % 5 === 0 ? null : agents[i % 3].id,
      subject: `${pickFrom(rand, DEMO_SUBJECTS)} (#${i + 1})`,
      description: `Reported by ${requester.name}.`,
      status,
      priority,
      createdAt,
      closedAt: status === 'closed' ? new Date(createdAt.getTime() + 2 * DAY) : null,
    });
    if (i % 4 === 0) await repos.tickets.addWatcher(ticket.id, agents[3].id);
    if (i % 6 === 0) await repos.tickets.addWatcher(ticket.id, admin.id);
    // undeliverable watchers for the README walkthrough: bounce@fail.test on the first Acme tickets (#1, #6, …),
    // later@tempfail.test on the first Globex tickets (#2, #7, …)
    if (i < 30 && c < failing.length) await repos.tickets.addWatcher(ticket.id, failing[c].id);
    await repos.tickets.addComment({ ticketId: ticket.id, authorId: requester.id, body: 'Any news on this?', isInternal: false, createdAt: new Date(createdAt.getTime() + 3_600_000) });
    if (i % 3 === 0) {
      await repos.tickets.addComment({ ticketId: ticket.id, authorId: agents[i % 3].id, body: 'Checking with the vendor (internal).', isInternal: true, createdAt: new Date(createdAt.getTime() + 7_200_000) });
    }
  }

  const logs = [];
  for (let day = 0; day < 200; day++) {
    for (let k = 0; k < 5; k++) {
      logs.push({ user_id: agents[k % 3].id, action: 'ticket.viewed', subject_type: 'ticket', subject_id: String(day * 5 + k + 1), properties: null, created_at: new Date(now.getTime() - day * DAY - k * 60_000) });
    }
  }
  await db.batchInsert('activity_logs', logs, 200);
}
