import type { AlertReading, AlertRule } from '../../alerts/rules';
import type { Db } from '../knex';
import { toDate, toDateOrNull } from '../normalize';
import { createActivityLogsRepository } from './activity-logs';

export type AlertKind = 'firing' | 'resolved';
/** 'webhook', or 'email:<address>' (one row per recipient) */
export type AlertChannel = string;
export type AlertNotificationStatus = 'sending' | 'retrying' | 'sent' | 'failed';

export interface AlertEpisode {
  id: number;
  rule: AlertRule;
  subject: string;
  threshold: number;
  lastValue: number | null;
  peakValue: number | null;
  openedAt: Date;
  lastCheckedAt: Date;
  resolvedAt: Date | null;
}

export interface AlertNotification {
  episodeId: number;
  kind: AlertKind;
  channel: AlertChannel;
  status: AlertNotificationStatus;
  tries: number;
  error: string | null;
  claimedAt: Date;
  sentAt: Date | null;
}

export interface NotificationKey {
  episodeId: number;
  kind: AlertKind;
  channel: AlertChannel;
}

const openKey = (rule: string, subject: string) => `${rule}:${subject}`;
const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function toEpisode(row: Record<string, unknown>): AlertEpisode {
  return {
    id: Number(row.id),
    rule: row.rule as AlertRule,
    subject: String(row.subject),
    threshold: Number(row.threshold),
    lastValue: nullableNumber(row.last_value),
    peakValue: nullableNumber(row.peak_value),
    openedAt: toDate(row.opened_at),
    lastCheckedAt: toDate(row.last_checked_at),
    resolvedAt: toDateOrNull(row.resolved_at),
  };
}

function toNotification(row: Record<string, unknown>): AlertNotification {
  return {
    episodeId: Number(row.episode_id),
    kind: row.kind as AlertKind,
    channel: String(row.channel),
    status: row.status as AlertNotificationStatus,
    tries: Number(row.tries),
    error: (row.error as string | null) ?? null,
    claimedAt: toDate(row.claimed_at),
    sentAt: toDateOrNull(row.sent_at),
  };
}

/**
 * Alert episodes (one per rule and subject while it fires) and the ledger of their notifications. Opening and
 * resolving write their audit entry in the same transaction, so each episode is audited exactly once.
 */
export function createAlertsRepository(db: Db) {
  const peak = (value: number | null, previous: unknown) => (value === null ? nullableNumber(previous) : Math.max(value, nullableNumber(previous) ?? value));

  return {
    async openEpisodes(): Promise<AlertEpisode[]> {
      return (await db('alert_episodes').whereNotNull('open_key').orderBy('id')).map(toEpisode);
    },

    async findEpisode(id: number): Promise<AlertEpisode | undefined> {
      const row = await db('alert_episodes').where({ id }).first();
      return row && toEpisode(row);
    },

    /** Opens the rule's episode for the subject, or updates the open one; `opened` says which. */
    async recordFiring(reading: AlertReading, at: Date): Promise<{ episode: AlertEpisode; opened: boolean }> {
      return db.transaction(async (trx) => {
        const key = openKey(reading.rule, reading.subject);
        const query = trx('alert_episodes').where({ open_key: key });
        // SQLite serialises writers anyway (and knex warns about FOR UPDATE there)
        const existing = await (db.client.config.client === 'mysql2' ? query.forUpdate() : query).first();
        if (existing) {
          await trx('alert_episodes')
            .where({ id: existing.id })
            .update({ last_value: reading.value, peak_value: peak(reading.value, existing.peak_value), last_checked_at: at });
          return { episode: toEpisode({ ...existing, last_value: reading.value, last_checked_at: at }), opened: false };
        }
        // two checks at once: the second insert breaks the unique open_key and its activity retries into the update above
        const [id] = await trx('alert_episodes').insert({
          rule: reading.rule,
          subject: reading.subject,
          open_key: key,
          threshold: reading.threshold,
          last_value: reading.value,
          peak_value: reading.value,
          opened_at: at,
          last_checked_at: at,
        });
        const episode = toEpisode(await trx('alert_episodes').where({ id: Number(id) }).first());
        await createActivityLogsRepository(trx).record(
          { userId: null, action: 'alert.opened', subjectType: 'alert', subjectId: episode.id, properties: { rule: reading.rule, subject: reading.subject, value: reading.value, threshold: reading.threshold } },
          at,
        );
        return { episode, opened: true };
      });
    },

    /** Closes an open episode; false when it was no longer open (another check closed it). */
    async resolve(episode: AlertEpisode, value: number | null, at: Date): Promise<boolean> {
      return db.transaction(async (trx) => {
        const changed = await trx('alert_episodes')
          .where({ id: episode.id })
          .whereNotNull('open_key')
          .update({ open_key: null, resolved_at: at, last_value: value, last_checked_at: at });
        if (changed !== 1) return false;
        await createActivityLogsRepository(trx).record(
          { userId: null, action: 'alert.resolved', subjectType: 'alert', subjectId: episode.id, properties: { rule: episode.rule, subject: episode.subject, value, openedAt: episode.openedAt.toISOString() } },
          at,
        );
        return true;
      });
    },

    /** Episodes open now or resolved since `since`, newest first. */
    async recentEpisodes(since: Date, limit: number): Promise<AlertEpisode[]> {
      const rows = await db('alert_episodes')
        .where((q) => q.whereNotNull('open_key').orWhere('resolved_at', '>=', since))
        .orderBy('id', 'desc')
        .limit(limit);
      return rows.map(toEpisode);
    },

    /** Forgets episodes resolved before `before` and their ledger rows (the audit trail keeps their opening and end). */
    async pruneResolvedBefore(before: Date): Promise<number> {
      return db.transaction(async (trx) => {
        const old = trx('alert_episodes').whereNull('open_key').where('resolved_at', '<', before).select('id');
        await trx('alert_notifications').whereIn('episode_id', old).del();
        return Number(await trx('alert_episodes').whereNull('open_key').where('resolved_at', '<', before).del());
      });
    },

    async notificationsOf(episodeIds: number[]): Promise<AlertNotification[]> {
      if (episodeIds.length === 0) return [];
      return (await db('alert_notifications').whereIn('episode_id', episodeIds).orderBy('id')).map(toNotification);
    },

    /**
     * Claims one message for this attempt. The first claim inserts the row; the next attempt of the same activity
     * (same claimant) may take it back only after the previous attempt marked it `retrying`. A row left `sending`
     * (the process died between send and mark) is never claimed again: at most once per episode, kind and channel.
     */
    async claim(key: NotificationKey, claimant: string, attempt: number, at: Date): Promise<boolean> {
      const where = { episode_id: key.episodeId, kind: key.kind, channel: key.channel };
      await db('alert_notifications')
        .insert({ ...where, status: 'sending', claimed_by: claimant, tries: attempt, claimed_at: at })
        .onConflict(['episode_id', 'kind', 'channel'])
        .ignore();
      const row = await db('alert_notifications').where(where).first();
      if (!row || row.claimed_by !== claimant) return false;
      if (row.status === 'sending') return Number(row.tries) === attempt;
      if (row.status !== 'retrying') return false;
      const taken = await db('alert_notifications').where({ ...where, status: 'retrying', claimed_by: claimant }).update({ status: 'sending', tries: attempt, claimed_at: at });
      return taken === 1;
    },

    async mark(key: NotificationKey, status: Exclude<AlertNotificationStatus, 'sending'>, at: Date, error?: string): Promise<void> {
      await db('alert_notifications')
        .where({ episode_id: key.episodeId, kind: key.kind, channel: key.channel })
        .update({ status, error: error?.slice(0, 1000) ?? null, ...(status === 'sent' ? { sent_at: at } : {}) });
    },
  };
}

export type AlertsRepository = ReturnType<typeof createAlertsRepository>;
