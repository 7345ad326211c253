import type { HistoryEvent } from './gateway';

/** The marker Temporal records for a local activity when it ends; its JSON `data` detail names the activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

type Marker = NonNullable<HistoryEvent['markerRecordedEventAttributes']>;

export interface LocalActivityRecord {
  type: string;
  /** the attempt it ended on */
  attempt: number;
  /** when its first attempt was scheduled (the worker's clock, ms since the epoch; null when the marker leaves it out) */
  scheduledAtMs: number | null;
  failure: Marker['failure'];
}

const millis = (ts: unknown): number | null => {
  const { seconds, nanos } = (ts ?? {}) as { seconds?: unknown; nanos?: unknown };
  return typeof seconds === 'number' ? seconds * 1000 + Math.round((typeof nanos === 'number' ? nanos : 0) / 1e6) : null;
};

/** The local activity a marker records, or null for any other marker (patches, side effects) or one it cannot read. */
export function localActivityOf(marker: Marker): LocalActivityRecord | null {
  if (marker.markerName !== LOCAL_ACTIVITY_MARKER) return null;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return null;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  return {
    type: typeof parsed.activity_type === 'string' ? parsed.activity_type : 'unknown',
    attempt: typeof parsed.attempt === 'number' ? parsed.attempt : 1,
    scheduledAtMs: millis(parsed.original_schedule_time),
    failure: marker.failure,
  };
}
