import { esc } from '../mail/template';
import { mailIdHost } from '../mail/message-ids';
import type { OutgoingMail } from '../mail/outgoing-mail';
import type { AlertEpisode, AlertKind } from '../db/repositories/alerts';
import { describeReading, RULE_TITLES, type AlertRule, type AlertSettings } from './rules';

export interface AlertMessage {
  /** one line: the mail's subject and the webhook's text */
  headline: string;
  /** what the value was, when it opened (and closed), where to look */
  details: string[];
  jobsPageUrl: string;
}

const SUBJECT_LABELS: Record<AlertRule, (subject: string) => string> = {
  failed_jobs: (jobType) => `job type ${jobType}`,
  wait_p95: (queue) => `queue ${queue}`,
  no_worker: (queue) => `queue ${queue}`,
  dead_letters: () => 'the dead-letter list',
};

/** What a firing or resolved notification says, for both channels. */
export function alertMessage(episode: AlertEpisode, kind: AlertKind, settings: AlertSettings, appUrl: string): AlertMessage {
  const reading = { rule: episode.rule, subject: episode.subject, value: episode.lastValue, threshold: episode.threshold };
  const what = describeReading(kind === 'firing' ? reading : { ...reading, value: episode.peakValue ?? episode.lastValue }, settings);
  const title = RULE_TITLES[episode.rule];
  const headline = kind === 'firing' ? `[Alert] ${title}: ${what}` : `[Resolved] ${title}: ${SUBJECT_LABELS[episode.rule](episode.subject)} is back to normal`;
  const details = [`Opened at ${episode.openedAt.toISOString()}`];
  if (kind === 'resolved') {
    details.push(`Resolved at ${(episode.resolvedAt ?? episode.lastCheckedAt).toISOString()}`, `At its worst: ${what}`);
  }
  return { headline, details, jobsPageUrl: `${appUrl}/admin/jobs#alerts` };
}

/** The mail to one admin. Firing and resolved share a thread (References), each with its own stable Message-ID. */
export function alertMail(episode: AlertEpisode, kind: AlertKind, message: AlertMessage, to: string, appUrl: string): OutgoingMail {
  const host = mailIdHost(appUrl);
  const recipientPart = to.replace(/[^A-Za-z0-9._-]/g, '_');
  const text = [message.headline, '', ...message.details, '', `Jobs page: ${message.jobsPageUrl}`].join('\n');
  const html = [
    '<!doctype html><html lang="en"><body style="font-family:system-ui,sans-serif;color:#111827">',
    `<h1 style="font-size:18px;color:${kind === 'firing' ? '#b91c1c' : '#15803d'}">${esc(message.headline)}</h1>`,
    `<ul>${message.details.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>`,
    `<p><a href="${esc(message.jobsPageUrl)}">Open the Jobs page</a></p>`,
    '</body></html>',
  ].join('');
  return {
    to,
    subject: message.headline,
    text,
    html,
    messageId: `<alert-${episode.id}.${kind}.${recipientPart}@${host}>`,
    references: [`<alert-${episode.id}@${host}>`],
  };
}

/** A body Slack's incoming webhooks accept (text, plus blocks for clients that render them); other receivers read `alert`. */
export function alertWebhookBody(episode: AlertEpisode, kind: AlertKind, message: AlertMessage) {
  return {
    text: message.headline,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${message.headline}*\n${message.details.join('\n')}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.jobsPageUrl}|Jobs page>` }] },
    ],
    alert: {
      episodeId: episode.id,
      status: kind,
      rule: episode.rule,
      subject: episode.subject,
      value: episode.lastValue,
      threshold: episode.threshold,
      openedAt: episode.openedAt.toISOString(),
      resolvedAt: episode.resolvedAt?.toISOString() ?? null,
    },
  };
}
