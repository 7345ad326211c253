import { describeReading, RULE_TITLES, type AlertSettings } from '../alerts/rules';
import type { Repositories } from '../db/repositories';
import type { AlertEpisode, AlertNotification } from '../db/repositories/alerts';

const DAY_MS = 86_400_000;

function present(episode: AlertEpisode, notifications: AlertNotification[], settings: AlertSettings) {
  return {
    id: episode.id,
    rule: episode.rule,
    title: RULE_TITLES[episode.rule],
    subject: episode.subject,
    summary: describeReading({ rule: episode.rule, subject: episode.subject, value: episode.peakValue ?? episode.lastValue, threshold: episode.threshold }, settings),
    threshold: episode.threshold,
    lastValue: episode.lastValue,
    peakValue: episode.peakValue,
    openedAt: episode.openedAt.toISOString(),
    lastCheckedAt: episode.lastCheckedAt.toISOString(),
    resolvedAt: episode.resolvedAt?.toISOString() ?? null,
    notifications: notifications
      .filter((n) => n.episodeId === episode.id)
      .map((n) => ({ kind: n.kind, channel: n.channel, status: n.status, tries: n.tries, error: n.error, sentAt: n.sentAt?.toISOString() ?? null })),
  };
}

/** The Jobs page's Alerts section: open alerts, and the episodes of the last `days` days, with what was sent for each. */
export function createAlertsService(deps: { repos: Repositories; settings: AlertSettings }) {
  return {
    async list(filter: { days: number; limit: number }, now: Date = new Date()) {
      const episodes = await deps.repos.alerts.recentEpisodes(new Date(now.getTime() - filter.days * DAY_MS), filter.limit);
      const notifications = await deps.repos.alerts.notificationsOf(episodes.map((e) => e.id));
      const shown = episodes.map((episode) => present(episode, notifications, deps.settings));
      return { open: shown.filter((e) => e.resolvedAt === null), recent: shown.filter((e) => e.resolvedAt !== null) };
    },
  };
}
