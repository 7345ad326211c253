import type { NotificationDeliveryState } from '../jobs/contract';

/** A notification run's delivery state, as its workflow keeps it in its memo (readable without a worker). */
export function deliveryStateOf(memo: Record<string, unknown> | undefined): NotificationDeliveryState | null {
  const state = memo?.deliveryState as NotificationDeliveryState | undefined;
  return state && typeof state.phase === 'string' ? state : null;
}

/** `waiting to redeliver, next try at 2026-01-05T09:05:00.000Z` while a run waits on its redelivery timer; else null. */
export function deliveryNote(memo: Record<string, unknown> | undefined): string | null {
  const state = deliveryStateOf(memo);
  return state?.phase === 'waiting_to_redeliver' && state.nextTryAt ? `waiting to redeliver, next try at ${state.nextTryAt}` : null;
}
