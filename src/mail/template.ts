import escapeHtml from 'escape-html';
import type { FieldChange, TicketPriority, TicketStatus } from '../jobs/contract';

export interface TicketMailView {
  appUrl: string;
  ticket: { id: number; subject: string; status: TicketStatus; priority: TicketPriority };
  headline: string;
  summary: string;
  recipientName: string;
  /** the comment text on `commented` events, the description on `created` */
  body?: { label: string; text: string };
  changes?: Record<string, FieldChange>;
  occurredAt: string;
  /** IANA zone the dates are shown in (MAIL_TIMEZONE); UTC when absent */
  timeZone?: string;
  /** the signed one-click unsubscribe link, linked from the footer */
  unsubscribeUrl?: string;
}

/** The language of our wording (html lang). */
export const MAIL_LANG = 'en';

/** `5 Jan 2026, 10:00 CET`: readable, with the zone, in the configured time zone; the raw value if it is no date. */
export function mailDate(iso: string, timeZone = 'UTC'): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(date);
}

const PRIORITY_COLORS: Record<TicketPriority, string> = {
  low: '#6b7280',
  normal: '#2563eb',
  high: '#d97706',
  urgent: '#dc2626',
};

const STATUS_COLORS: Record<TicketStatus, string> = {
  open: '#059669',
  pending: '#7c3aed',
  resolved: '#0891b2',
  closed: '#4b5563',
};

const MAX_BODY_CHARS = 4000;

/** Escapes a user string for HTML text and attributes. */
export function esc(value: unknown): string {
  return escapeHtml(String(value ?? ''));
}

function paragraphs(text: string): string {
  const clipped = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
  return esc(clipped).replace(/\r\n|\r|\n/g, '<br />');
}

function badge(kind: string, value: string, color: string): string {
  return `<span class="badge badge-${esc(kind)}" style="display:inline-block;padding:2px 10px;border-radius:10px;background:${color};color:#ffffff;font-size:12px;font-weight:bold;text-transform:uppercase;">${esc(value)}</span>`;
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function changesTable(changes: Record<string, FieldChange> | undefined): string {
  const entries = Object.entries(changes ?? {});
  if (entries.length === 0) return '';
  const rows = entries
    .map(
      ([field, change]) =>
        `<tr><td style="padding:4px 8px;color:#6b7280;">${esc(field)}: </td><td style="padding:4px 8px;"><s>${esc(displayValue(change?.from))}</s> → <strong>${esc(displayValue(change?.to))}</strong></td></tr>`,
    )
    .join('');
  return `<mj-table font-size="14px">${rows}</mj-table>`;
}

/** Only our own ticket URL is ever a link: built from the configured http(s) APP_URL and the numeric id. */
export function ticketUrl(appUrl: string, ticketId: number): string {
  const base = new URL(appUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('APP_URL must be http(s)');
  return `${base.origin}${base.pathname.replace(/\/$/, '')}/tickets/${Math.trunc(ticketId)}`;
}

function mjmlSource(view: TicketMailView): string {
  const url = ticketUrl(view.appUrl, view.ticket.id);
  const body = view.body
    ? `<mj-text font-size="13px" color="#6b7280" padding-bottom="0">${esc(view.body.label)}</mj-text>
       <mj-text font-size="15px" line-height="22px" container-background-color="#f9fafb" padding="12px 25px">${paragraphs(view.body.text)}</mj-text>`
    : '';
  const unsubscribe = view.unsubscribeUrl
    ? ` <a href="${esc(view.unsubscribeUrl)}" style="color:#6b7280;">Unsubscribe from these e-mails</a>.`
    : ' You can turn notifications off in your profile.';
  return `<mjml lang="${MAIL_LANG}">
  <mj-head>
    <mj-title>${esc(view.headline)}</mj-title>
    <mj-preview>${esc(view.summary)}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f3f4f6">
    <mj-section background-color="#ffffff" padding="24px 0">
      <mj-column>
        <mj-text font-size="13px" color="#6b7280">Ticket #${view.ticket.id}</mj-text>
        <mj-text font-size="20px" font-weight="bold" color="#111827">${esc(view.headline)}</mj-text>
        <mj-text font-size="16px" color="#111827">${esc(view.ticket.subject)}</mj-text>
        <mj-text>${badge('priority', view.ticket.priority, PRIORITY_COLORS[view.ticket.priority] ?? '#6b7280')} ${badge('status', view.ticket.status, STATUS_COLORS[view.ticket.status] ?? '#6b7280')}</mj-text>
        <mj-text font-size="15px" color="#374151">Hello ${esc(view.recipientName)}, ${esc(view.summary)}</mj-text>
        ${changesTable(view.changes)}
        ${body}
        <mj-button href="${esc(url)}" background-color="#2563eb" color="#ffffff" font-size="15px" border-radius="6px">View ticket #${view.ticket.id}</mj-button>
        <mj-text font-size="12px" color="#9ca3af">${esc(mailDate(view.occurredAt, view.timeZone))} · You receive this because you take part in this ticket.${unsubscribe}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

export interface RenderedMail {
  html: string;
  text: string;
}

/** Responsive HTML (MJML) and its plain-text twin. Every user string is escaped before it enters the markup. */
export async function renderTicketMail(view: TicketMailView): Promise<RenderedMail> {
  // mjml 4 renders synchronously, mjml 5 (and its types) asynchronously: await covers both
  // loaded on the first mail: mjml, html-to-text and their HTML tooling are large, and most processes (the API, the other queues) never render one
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mjml2html = require('mjml') as typeof import('mjml');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { convert } = require('html-to-text') as typeof import('html-to-text');
  const { html, errors } = await mjml2html(mjmlSource(view), { validationLevel: 'soft', keepComments: false });
  if (errors.length > 0 && !html) throw new Error(`mail template failed: ${errors[0].formattedMessage}`);
  const text = convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      // the inbox preview line duplicates the summary
      { selector: 'div[style*="display:none"]', format: 'skip' },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'inline' },
    ],
  });
  return { html, text };
}
