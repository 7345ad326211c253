import fs from 'node:fs/promises';
import path from 'node:path';
import escapeHtml from 'escape-html';
import { loadConfig } from '../config';
import { TICKET_EVENT_TYPES, type RecipientReason, type TicketEventType } from '../jobs/contract';
import { buildRawMessage } from '../mail/raw-message';
import { composeNotificationMail, type NotificationMailData } from '../notifications/compose';

interface Sample {
  type: TicketEventType;
  reason: RecipientReason;
  extra?: Partial<NotificationMailData>;
}

const SAMPLES: Sample[] = [
  { type: 'created', reason: 'company_agent' },
  { type: 'updated', reason: 'requester', extra: { event: { eventId: 'preview-updated', type: 'updated', occurredAt: '', changes: { priority: { from: 'normal', to: 'urgent' }, status: { from: 'open', to: 'pending' } } } } },
  { type: 'assigned', reason: 'assignee' },
  { type: 'assigned', reason: 'previous_assignee' },
  { type: 'closed', reason: 'requester' },
  { type: 'commented', reason: 'requester', extra: { comment: { body: 'Could you try turning it off and on again?\nThanks!', isInternal: false } } },
  { type: 'commented', reason: 'assignee', extra: { comment: { body: 'Customer is on the premium plan.', isInternal: true } } },
];

function sampleData(appUrl: string, sample: Sample, index: number): NotificationMailData {
  const occurredAt = new Date().toISOString();
  const base: NotificationMailData = {
    appUrl,
    event: { eventId: `preview-${sample.type}-${index}`, type: sample.type, occurredAt },
    ticket: {
      id: 42,
      subject: 'Printer on fire <b>again</b>',
      description: 'The printer on the 3rd floor smokes when printing more than 10 pages.',
      status: sample.type === 'closed' ? 'closed' : 'open',
      priority: 'urgent',
    },
    actorName: 'Ana Agent',
    assigneeName: 'Bob Builder',
    recipient: { userId: 7, email: 'carla@example.test', name: 'Carla Client', reason: sample.reason },
  };
  const extra = sample.extra ?? {};
  return { ...base, ...extra, event: { ...base.event, ...extra.event, eventId: base.event.eventId, occurredAt } };
}

/** Renders every event's mail into a folder a person can open: .html, .txt and .eml per mail, plus index.html. */
async function main(): Promise<void> {
  const config = loadConfig();
  const outDir = path.resolve(process.argv[2] ?? path.join(config.dataDir, 'mail-preview'));
  await fs.mkdir(outDir, { recursive: true });
  const links: string[] = [];
  for (const [index, sample] of SAMPLES.entries()) {
    const mail = await composeNotificationMail(sampleData(config.api.appUrl, sample, index));
    const name = `${String(index + 1).padStart(2, '0')}-${sample.type}-${sample.reason}${sample.extra?.comment?.isInternal ? '-internal' : ''}`;
    await fs.writeFile(path.join(outDir, `${name}.html`), mail.html);
    await fs.writeFile(path.join(outDir, `${name}.txt`), `Subject: ${mail.subject}\n\n${mail.text}`);
    await fs.writeFile(path.join(outDir, `${name}.eml`), await buildRawMessage(mail, config.mail.from));
    links.push(`<li><a href="${name}.html">${escapeHtml(mail.subject)}</a> (<a href="${name}.txt">text</a>, <a href="${name}.eml">.eml</a>)</li>`);
  }
  const covered = new Set(SAMPLES.map((s) => s.type));
  const missing = TICKET_EVENT_TYPES.filter((t) => !covered.has(t));
  if (missing.length > 0) throw new Error(`no preview sample for ${missing.join(', ')}`);
  await fs.writeFile(
    path.join(outDir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>Mail previews</title><h1>Ticket notification previews</h1><ul>${links.join('')}</ul>`,
  );
  console.log(`${SAMPLES.length} previews written; open ${path.join(outDir, 'index.html')}`);
}

main().catch((err: unknown) => {
  console.error(`mail preview failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
