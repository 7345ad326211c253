import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityDeps } from '../../../../activities/deps';
import { alertMail, alertMessage, alertWebhookBody } from '../../../alerts/messages';
import { activeRules, deadLettersReading, failedJobsReadings, noWorkerReading, waitP95Readings, windowStart, type AlertReading, type AlertRule } from '../../../alerts/rules';
import { temporalAddress } from '../../../config';
import type { AlertKind, NotificationKey } from '../../../db/repositories/alerts';
import { createWorkerHeartbeatsRepository } from '../../../db/repositories/worker-heartbeats';
import { createJobMetricsStore } from '../../../observability/metrics/store';
import { RETRY_POLICY } from '../../retry-policy';
import { JobsGateway } from '../../gateway';
import { jobRegistry } from '../../registry';
import type { AlertCheckEvaluation, AlertNotificationOutcome, PendingAlertNotification } from './definition';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** a resolved episode whose "resolved" message could not go out in this long is left alone */
const RESOLVED_NOTIFY_WITHIN_MS = 60 * MINUTE_MS;
const WEBHOOK_TIMEOUT_MS = 10_000;

export const ALERT_FAILURES = {
  webhookRejected: 'AlertWebhookRejected',
  webhookFailed: 'AlertWebhookFailed',
} as const;

/** The check: readings of every active rule, episodes opened and resolved, and the notifications still owed. */
export function createAlertActivities(deps: ActivityDeps) {
  const settings = deps.config.alerts;
  const { alerts } = deps.repos;

  async function readRules(rules: AlertRule[], now: Date): Promise<AlertReading[]> {
    const readings: AlertReading[] = [];
    const store = createJobMetricsStore(deps.db);
    if (rules.includes('failed_jobs')) {
      const rows = await store.rows({ since: windowStart(now, settings.failedJobsWindowMinutes), step: '' });
      readings.push(...failedJobsReadings(rows, settings.failedJobsThreshold));
    }
    if (rules.includes('wait_p95')) {
      const rows = await store.rows({ since: windowStart(now, settings.waitWindowMinutes), step: '' });
      readings.push(...waitP95Readings(rows, settings.waitP95Seconds));
    }
    if (rules.includes('no_worker')) {
      // one short-lived client per check: the activity's process may not otherwise talk to Temporal as a client
      const jobs = JobsGateway.create({ address: temporalAddress(deps.config), namespace: deps.config.temporal.namespace, logger: deps.logger });
      const heartbeats = createWorkerHeartbeatsRepository(deps.db);
      try {
        for (const queue of jobRegistry.queues) {
          const [described, sightings] = await Promise.all([jobs.describeTaskQueue(queue), heartbeats.list(queue)]);
          const pollers = [...described.workflow.pollers, ...described.activity.pollers];
          readings.push(noWorkerReading(queue, pollers, sightings, now, settings.noPollerSeconds));
        }
      } finally {
        await jobs.close();
      }
    }
    if (rules.includes('dead_letters')) {
      readings.push(deadLettersReading(await deps.repos.failedJobs.countAwaitingTriage(), settings.deadLettersThreshold));
    }
    return readings;
  }

  async function emailRecipients(): Promise<string[]> {
    if (settings.emailTo) return settings.emailTo;
    return [...new Set((await deps.repos.users.activeAdmins()).map((admin) => admin.email.toLowerCase()))].sort();
  }

  /** The claimant of this activity's attempts: a retry of the same activity may take back what an earlier attempt released. */
  function claimant(): { name: string; attempt: number; last: boolean } {
    const info = Context.current().info;
    return {
      name: `${info.workflowExecution?.runId ?? info.activityId}/${info.activityId}`,
      attempt: info.attempt,
      last: info.attempt >= RETRY_POLICY.maximumAttempts,
    };
  }

  /** Claims the message, sends it, marks it; a failure releases it for the next attempt, or marks it failed on the last. */
  async function deliver(key: NotificationKey, send: () => Promise<void>): Promise<AlertNotificationOutcome> {
    const who = claimant();
    if (!(await alerts.claim(key, who.name, who.attempt, new Date()))) return 'skipped';
    try {
      await send();
    } catch (err) {
      const final = who.last || (err instanceof ApplicationFailure && err.nonRetryable);
      await alerts.mark(key, final ? 'failed' : 'retrying', new Date(), err instanceof Error ? err.message : String(err));
      deps.logger.warn({ err, episodeId: key.episodeId, kind: key.kind, channel: key.channel, final }, 'alert notification failed');
      throw err;
    }
    await alerts.mark(key, 'sent', new Date());
    deps.logger.info({ episodeId: key.episodeId, kind: key.kind, channel: key.channel }, 'alert notification sent');
    return 'sent';
  }

  async function episodeFor(key: NotificationKey) {
    const episode = await alerts.findEpisode(key.episodeId);
    if (!episode) throw ApplicationFailure.create({ type: 'AlertEpisodeGone', message: `alert episode ${key.episodeId} no longer exists`, nonRetryable: true });
    return { episode, message: alertMessage(episode, key.kind, settings, deps.config.api.appUrl) };
  }

  return {
    async evaluateAlerts(): Promise<AlertCheckEvaluation> {
      const now = new Date();
      const rules = activeRules(settings);
      const readings = await readRules(rules, now);
      const firing = new Map(readings.filter((r) => r.firing).map((r) => [`${r.rule}:${r.subject}`, r]));
      let opened = 0;
      let resolved = 0;
      for (const reading of firing.values()) {
        if ((await alerts.recordFiring(reading, now)).opened) opened++;
      }
      for (const episode of await alerts.openEpisodes()) {
        if (firing.has(`${episode.rule}:${episode.subject}`)) continue;
        // back under its threshold, gone from the readings (no failures left in the window), or its rule turned off
        const reading = readings.find((r) => r.rule === episode.rule && r.subject === episode.subject);
        if (await alerts.resolve(episode, reading?.value ?? null, now)) resolved++;
      }

      const channels = [...(await emailRecipients()).map((address) => `email:${address}`), ...(settings.webhookUrl ? ['webhook'] : [])];
      const episodes = await alerts.recentEpisodes(new Date(now.getTime() - RESOLVED_NOTIFY_WITHIN_MS), 200);
      const ledger = await alerts.notificationsOf(episodes.map((e) => e.id));
      const has = (episodeId: number, kind: AlertKind, channel: string, sentOnly = false) =>
        ledger.some((n) => n.episodeId === episodeId && n.kind === kind && n.channel === channel && (!sentOnly || n.status === 'sent'));
      const notifications: PendingAlertNotification[] = [];
      for (const episode of episodes) {
        for (const channel of channels) {
          if (!episode.resolvedAt && !has(episode.id, 'firing', channel)) notifications.push({ episodeId: episode.id, kind: 'firing', channel });
          // "resolved" only where "firing" went out: nobody needs to hear of the end of an alert they never got
          if (episode.resolvedAt && has(episode.id, 'firing', channel, true) && !has(episode.id, 'resolved', channel)) {
            notifications.push({ episodeId: episode.id, kind: 'resolved', channel });
          }
        }
      }
      // resolved episodes are kept as long as the activity log that records them
      const pruned = await alerts.pruneResolvedBefore(new Date(now.getTime() - deps.config.retention.activityLogDays * DAY_MS));
      deps.logger.info({ rules, readings: readings.length, firing: firing.size, opened, resolved, notifications: notifications.length, pruned }, 'alert rules checked');
      return { checkedAt: now.toISOString(), rules, firing: [...firing.keys()].sort(), opened, resolved, notifications };
    },

    async sendAlertEmail(key: PendingAlertNotification): Promise<AlertNotificationOutcome> {
      const to = key.channel.slice('email:'.length);
      return deliver(key, async () => {
        const { episode, message } = await episodeFor(key);
        await deps.mailer.send(alertMail(episode, key.kind, message, to, deps.config.api.appUrl));
      });
    },

    async postAlertWebhook(key: PendingAlertNotification): Promise<AlertNotificationOutcome> {
      const url = settings.webhookUrl;
      if (!url) return 'skipped';
      return deliver(key, async () => {
        const { episode, message } = await episodeFor(key);
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(alertWebhookBody(episode, key.kind, message)),
            signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
          });
        } catch (err) {
          throw ApplicationFailure.create({ type: ALERT_FAILURES.webhookFailed, message: `alert webhook unreachable: ${(err as Error).message}` });
        }
        await response.body?.cancel();
        if (response.ok) return;
        // a receiver that refuses the request itself will refuse it again; overload and server errors may pass later
        const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
        throw ApplicationFailure.create({
          type: permanent ? ALERT_FAILURES.webhookRejected : ALERT_FAILURES.webhookFailed,
          message: `alert webhook answered ${response.status}`,
          nonRetryable: permanent,
        });
      });
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
