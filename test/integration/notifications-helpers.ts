import type { Repositories } from '../../src/db/repositories';
import type { Ticket } from '../../src/db/repositories/tickets';
import type { User } from '../../src/db/repositories/users';
import { TASK_QUEUES } from '../../src/jobs/contract';
import { createSmtpMailer } from '../../src/mail/smtp-mailer';
import type { Mailer } from '../../src/mail/outgoing-mail';
import { createUser, uniqueSuffix } from '../support/fixtures';
import { startTestSystem, type TestSystem, type TestSystemOptions } from '../support/system';
import { startSmtpReceiver, type SmtpReceiver } from './notifications-smtp-receiver';

export interface NotificationsHarness {
  system: TestSystem;
  receiver: SmtpReceiver;
  mailer: Mailer;
  stop(): Promise<void>;
}

/** The real system with a notifications worker whose mailer talks SMTP to a real receiver. */
export async function startNotificationsHarness(
  options: { worker?: boolean; env?: Record<string, string> } & Pick<TestSystemOptions, 'queues' | 'queueControl'> = {},
): Promise<NotificationsHarness> {
  const receiver = await startSmtpReceiver();
  const mailer = createSmtpMailer({ url: receiver.url, from: 'Help Desk <helpdesk@helpdesk.test>' });
  const system = await startTestSystem({
    queues: options.queues ?? (options.worker === false ? [] : [TASK_QUEUES.notifications]),
    queueControl: options.queueControl,
    env: { SMTP_URL: receiver.url, ...options.env },
    activityDeps: (deps) => ({ ...deps, mailer }),
  });
  return {
    system,
    receiver,
    mailer,
    async stop() {
      await system.stop();
      await mailer.close();
      await receiver.close();
    },
  };
}

export interface TicketScene {
  companyId: number;
  requester: User;
  assignee: User;
  previousAssignee: User;
  clientWatcher: User;
  agentWatcher: User;
  ticket: Ticket;
}

/** A fresh company and a ticket with a client requester, an assignee and two watchers (one client, one agent). */
export async function createTicketScene(repos: Repositories, subject = 'Printer on fire'): Promise<TicketScene> {
  const company = await repos.companies.create(`Scene ${uniqueSuffix()}`);
  const requester = await createUser(repos, { role: 'client', companyId: company.id });
  const assignee = await createUser(repos, { role: 'agent', companyId: company.id });
  const previousAssignee = await createUser(repos, { role: 'agent', companyId: company.id });
  const clientWatcher = await createUser(repos, { role: 'client', companyId: company.id });
  const agentWatcher = await createUser(repos, { role: 'agent', companyId: company.id });
  const ticket = await repos.tickets.create({
    companyId: company.id,
    requesterId: requester.id,
    assigneeId: assignee.id,
    subject,
    description: 'It smokes.',
    status: 'open',
    priority: 'high',
  });
  await repos.tickets.addWatcher(ticket.id, clientWatcher.id);
  await repos.tickets.addWatcher(ticket.id, agentWatcher.id);
  return { companyId: company.id, requester, assignee, previousAssignee, clientWatcher, agentWatcher, ticket };
}

/** Waits for the workflow to close and returns its status name. */
export async function closedStatus(system: TestSystem, workflowId: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await system.jobs.describe(workflowId);
    const status = description?.status.name;
    if (status && status !== 'RUNNING') return status;
    if (Date.now() > deadline) throw new Error(`workflow ${workflowId} still ${status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function sortedAddresses(users: User[]): string[] {
  return users.map((u) => u.email.toLowerCase()).sort();
}
