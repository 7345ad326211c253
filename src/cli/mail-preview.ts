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

/** The product's own stylesheet, inlined: the index opens from disk and looks like the pages. */
const STYLESHEET = path.resolve(__dirname, '..', 'api', 'public', 'styles.css');

async function indexPage(rows: string[]): Promise<string> {
  const css = await fs.readFile(STYLESHEET, 'utf8');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mail previews · Help desk</title>
<style>
${css}
</style>
</head>
<body>
<header class="top-bar"><span class="brand">Help desk</span><nav aria-label="Pages"><span>Mail previews</span></nav></header>
<main id="main">
<h1>Mail previews</h1>
<section class="card" aria-labelledby="previews-title">
<h2 id="previews-title">One mail per event type and recipient</h2>
<p class="hint">Rendered by <code>npm run mail:preview</code> from sample data; nothing was sent. Each mail is also written as plain text and as the .eml the mail server would receive.</p>
<table class="responsive">
<caption class="visually-hidden">Ticket notification previews</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Recipient</th><th scope="col">Subject</th><th scope="col">Also as</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>
</main>
</body>
</html>
`;
}

/** Renders every event's mail into a folder a person can open: .html, .txt and .eml per mail, plus index.html. */
async function main(): Promise<void> {
  const config = loadConfig();
  const outDir = path.resolve(process.argv[2] ?? path.join(config.dataDir, 'mail-preview'));
  await fs.mkdir(outDir, { recursive: true });
  const rows: string[] = [];
  for (const [index, sample] of SAMPLES.entries()) {
    const mail = await composeNotificationMail(sampleData(config.api.appUrl, sample, index));
    const name = `${String(index + 1).padStart(2, '0')}-${sample.type}-${sample.reason}${sample.extra?.comment?.isInternal ? '-internal' : ''}`;
    await fs.writeFile(path.join(outDir, `${name}.html`), mail.html);
    await fs.writeFile(path.join(outDir, `${name}.txt`), `Subject: ${mail.subject}\n\n${mail.text}`);
    await fs.writeFile(path.join(outDir, `${name}.eml`), await buildRawMessage(mail, config.mail.from));
    rows.push(
      [
        `<tr><td data-label="Event"><span class="badge">${escapeHtml(sample.type)}</span></td>`,
        `<td data-label="Recipient">${escapeHtml(sample.reason.replace(/_/g, ' '))}${sample.extra?.comment?.isInternal ? ' (internal note)' : ''}</td>`,
        `<td data-label="Subject"><a href="${name}.html">${escapeHtml(mail.subject)}</a></td>`,
        `<td data-label="Also as"><a href="${name}.txt">text</a> · <a href="${name}.eml">.eml</a></td></tr>`,
      ].join(''),
    );
  }
  const covered = new Set(SAMPLES.map((s) => s.type));
  const missing = TICKET_EVENT_TYPES.filter((t) => !covered.has(t));
  if (missing.length > 0) throw new Error(`no preview sample for ${missing.join(', ')}`);
  await fs.writeFile(path.join(outDir, 'index.html'), await indexPage(rows));
  console.log(`${SAMPLES.length} previews written; open ${path.join(outDir, 'index.html')}`);
}

main().catch((err: unknown) => {
  console.error(`mail preview failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
