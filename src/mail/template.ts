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
  return dateFormat(timeZone).format(date);
}

// building an Intl.DateTimeFormat costs about a millisecond; one per time zone is kept
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    dateFormats.set(timeZone, format);
  }
  return format;
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

function displayValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The rows of the changes table (HTML, values escaped), or '' when nothing changed. */
function changeRows(changes: Record<string, FieldChange> | undefined): string {
  return Object.entries(changes ?? {})
    .map(
      ([field, change]) =>
        `<tr><td style="padding:4px 8px;color:#6b7280;">${esc(field)}: </td><td style="padding:4px 8px;"><s>${esc(displayValue(change?.from))}</s> → <strong>${esc(displayValue(change?.to))}</strong></td></tr>`,
    )
    .join('');
}

/** Only our own ticket URL is ever a link: built from the configured http(s) APP_URL and the numeric id. */
export function ticketUrl(appUrl: string, ticketId: number): string {
  const base = new URL(appUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('APP_URL must be http(s)');
  return `${base.origin}${base.pathname.replace(/\/$/, '')}/tickets/${Math.trunc(ticketId)}`;
}

/** What differs from one mail to the next, each already escaped for HTML (text or attribute value). */
const SLOT_NAMES = [
  'headline',
  'summary',
  'ticketId',
  'subject',
  'priority',
  'priorityColor',
  'status',
  'statusColor',
  'recipientName',
  'changeRows',
  'bodyLabel',
  'bodyText',
  'url',
  'date',
  'unsubscribeUrl',
] as const;
type SlotName = (typeof SLOT_NAMES)[number];
type Slots = Record<SlotName, string>;

/** Which optional blocks the mail has: one compiled template per shape. */
interface Shape {
  changes: boolean;
  body: boolean;
  unsubscribe: boolean;
}

function slotsOf(view: TicketMailView): { shape: Shape; slots: Slots } {
  const rows = changeRows(view.changes);
  return {
    shape: { changes: rows !== '', body: view.body !== undefined, unsubscribe: Boolean(view.unsubscribeUrl) },
    slots: {
      headline: esc(view.headline),
      summary: esc(view.summary),
      ticketId: String(Math.trunc(view.ticket.id)),
      subject: esc(view.ticket.subject),
      priority: esc(view.ticket.priority),
      priorityColor: PRIORITY_COLORS[view.ticket.priority] ?? '#6b7280',
      status: esc(view.ticket.status),
      statusColor: STATUS_COLORS[view.ticket.status] ?? '#6b7280',
      recipientName: esc(view.recipientName),
      changeRows: rows,
      bodyLabel: esc(view.body?.label ?? ''),
      bodyText: paragraphs(view.body?.text ?? ''),
      url: esc(ticketUrl(view.appUrl, view.ticket.id)),
      date: esc(mailDate(view.occurredAt, view.timeZone)),
      unsubscribeUrl: esc(view.unsubscribeUrl ?? ''),
    },
  };
}

function mjmlMarkup(shape: Shape, s: Slots): string {
  const body = shape.body
    ? `<mj-text font-size="13px" color="#6b7280" padding-bottom="0">${s.bodyLabel}</mj-text>
       <mj-text font-size="15px" line-height="22px" container-background-color="#f9fafb" padding="12px 25px">${s.bodyText}</mj-text>`
    : '';
  const unsubscribe = shape.unsubscribe
    ? ` <a href="${s.unsubscribeUrl}" style="color:#6b7280;">Unsubscribe from these e-mails</a>.`
    : ' You can turn notifications off in your profile.';
  const badge = (kind: string, value: string, color: string) =>
    `<span class="badge badge-${kind}" style="display:inline-block;padding:2px 10px;border-radius:10px;background:${color};color:#ffffff;font-size:12px;font-weight:bold;text-transform:uppercase;">${value}</span>`;
  return `<mjml lang="${MAIL_LANG}">
  <mj-head>
    <mj-title>${s.headline}</mj-title>
    <mj-preview>${s.summary}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f3f4f6">
    <mj-section background-color="#ffffff" padding="24px 0">
      <mj-column>
        <mj-text font-size="13px" color="#6b7280">Ticket #${s.ticketId}</mj-text>
        <mj-text font-size="20px" font-weight="bold" color="#111827">${s.headline}</mj-text>
        <mj-text font-size="16px" color="#111827">${s.subject}</mj-text>
        <mj-text>${badge('priority', s.priority, s.priorityColor)} ${badge('status', s.status, s.statusColor)}</mj-text>
        <mj-text font-size="15px" color="#374151">Hello ${s.recipientName}, ${s.summary}</mj-text>
        ${shape.changes ? `<mj-table font-size="14px">${s.changeRows}</mj-table>` : ''}
        ${body}
        <mj-button href="${s.url}" background-color="#2563eb" color="#ffffff" font-size="15px" border-radius="6px">View ticket #${s.ticketId}</mj-button>
        <mj-text font-size="12px" color="#9ca3af">${s.date} · You receive this because you take part in this ticket.${unsubscribe}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

/** The MJML source of one mail, every user string escaped (what the compiled templates are checked against). */
export function ticketMailMjml(view: TicketMailView): string {
  const { shape, slots } = slotsOf(view);
  return mjmlMarkup(shape, slots);
}

export interface RenderedMail {
  html: string;
  text: string;
}

const TEXT_WIDTH = 78;

const textOptions = {
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
    // the inbox preview line duplicates the summary
    { selector: 'div[style*="display:none"]', format: 'skip' },
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'td', format: 'inline' },
  ],
};
type TextConverter = (html: string) => string;
let textConverters: { wrapped: TextConverter; unwrapped: TextConverter } | undefined;

/**
 * html-to-text compiles its options on every convert(): once here, on the first mail. mjml, html-to-text and their
 * HTML tooling are large and most processes (the API, the other queues) never render a mail, so both load on first use.
 */
function converters(): { wrapped: TextConverter; unwrapped: TextConverter } {
  if (!textConverters) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { compile } = require('html-to-text') as typeof import('html-to-text');
    textConverters = { wrapped: compile({ ...textOptions, wordwrap: TEXT_WIDTH }), unwrapped: compile({ ...textOptions, wordwrap: false }) };
  }
  return textConverters;
}
const toText: TextConverter = (html) => converters().wrapped(html);
const toUnwrappedText: TextConverter = (html) => converters().unwrapped(html);

async function renderMjml(markup: string): Promise<string> {
  // mjml 4 renders synchronously, mjml 5 (and its types) asynchronously: await covers both
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mjml2html = require('mjml') as typeof import('mjml');
  const { html, errors } = await mjml2html(markup, { validationLevel: 'soft', keepComments: false });
  if (errors.length > 0 && !html) throw new Error(`mail template failed: ${errors[0].formattedMessage}`);
  return html;
}

/** Responsive HTML (MJML) and its plain-text twin, rendered by MJML and html-to-text for this one mail (the slow path the compiled templates reproduce). */
export async function renderTicketMailDirect(view: TicketMailView): Promise<RenderedMail> {
  const html = await renderMjml(ticketMailMjml(view));
  return { html, text: toText(html) };
}

/** Greedy word wrap of one line at `width`, as html-to-text wraps a block (a longer word keeps its own line). */
function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (word === '') continue;
    if (current === '') current = word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      lines.push(current);
      current = word;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

interface CompiledTemplate {
  /** the HTML cut at the slots: parts[0] slot[0] parts[1] … */
  htmlParts: string[];
  htmlSlots: SlotName[];
  textParts: string[];
  textSlots: SlotName[];
}

/** `x5lot<i>q`: a token MJML and html-to-text pass through untouched, in text and in attributes */
const token = (index: number) => `x5lot${index}q`;
const TOKEN_PATTERN = /x5lot(\d+)q/g;

function split(rendered: string): { parts: string[]; slots: SlotName[] } {
  const parts: string[] = [];
  const slots: SlotName[] = [];
  let last = 0;
  for (const match of rendered.matchAll(TOKEN_PATTERN)) {
    parts.push(rendered.slice(last, match.index));
    slots.push(SLOT_NAMES[Number(match[1])]);
    last = (match.index ?? 0) + match[0].length;
  }
  parts.push(rendered.slice(last));
  return { parts, slots };
}

function join(parts: string[], slots: SlotName[], values: Record<SlotName, string>): string {
  let out = parts[0];
  for (let i = 0; i < slots.length; i++) out += values[slots[i]] + parts[i + 1];
  return out;
}

const compiled = new Map<string, Promise<CompiledTemplate>>();

/** MJML runs once per shape, with tokens in the slots; each mail then only fills the slots in. */
function compiledTemplate(shape: Shape): Promise<CompiledTemplate> {
  const key = `${Number(shape.changes)}${Number(shape.body)}${Number(shape.unsubscribe)}`;
  let template = compiled.get(key);
  if (!template) {
    const tokens = Object.fromEntries(SLOT_NAMES.map((name, index) => [name, token(index)])) as Slots;
    template = renderMjml(mjmlMarkup(shape, tokens)).then((html) => {
      const htmlSplit = split(html);
      const textSplit = split(toUnwrappedText(html));
      return { htmlParts: htmlSplit.parts, htmlSlots: htmlSplit.slots, textParts: textSplit.parts, textSlots: textSplit.slots };
    });
    template.catch(() => compiled.delete(key));
    compiled.set(key, template);
  }
  return template;
}

/** A slot's HTML fragment as html-to-text shows it on one line (entities decoded, whitespace collapsed, <br /> a line break). */
function slotText(name: SlotName, fragment: string): string {
  if (fragment === '') return '';
  // nothing html-to-text would change: no markup, no entity, no whitespace to collapse
  if (!/[&<>\s]/.test(fragment.replace(/(?<=\S) (?=\S)/g, ''))) return fragment;
  if (name === 'changeRows') return toUnwrappedText(`<table>${fragment}</table>`);
  return toUnwrappedText(`<p>${fragment}</p>`);
}

/** Responsive HTML (MJML) and its plain-text twin. Every user string is escaped before it enters the markup. */
export async function renderTicketMail(view: TicketMailView): Promise<RenderedMail> {
  const { shape, slots } = slotsOf(view);
  const template = await compiledTemplate(shape);
  const html = join(template.htmlParts, template.htmlSlots, slots);
  const textSlots = {} as Slots;
  for (const name of new Set(template.textSlots)) textSlots[name] = slotText(name, slots[name]);
  const text = join(template.textParts, template.textSlots, textSlots)
    .split('\n')
    .flatMap((line) => wrapLine(line, TEXT_WIDTH))
    .join('\n');
  return { html, text };
}
