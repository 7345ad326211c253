import fs from 'node:fs';
import path from 'node:path';

// the recorded shapes of the notification workflows (test/integration/workflow-replay.test.ts replays them all)
const DIR = path.join(__dirname, '..', 'histories');

type Event = Record<string, any>;
const load = (file: string): Event[] => (JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as { events: Event[] }).events;

function patchMarkers(events: Event[]): string[] {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => {
      const [payload] = e.markerRecordedEventAttributes.details['patch-data'].payloads;
      return (JSON.parse(Buffer.from(payload.data as string, 'base64').toString('utf8')) as { id: string }).id;
    });
}

const timers = (events: Event[]) => events.filter((e) => e.timerStartedEventAttributes).length;

describe('recorded notification histories', () => {
  it('the single-event runs recorded before redelivery existed are kept: no patch marker, no timer; their new recordings mark only the local lookup', () => {
    for (const path of ['all-sent', 'partly-failed', 'retried']) {
      const before = load(`ticket-notification-${path}.pre-notification-resolve-local.json`);
      expect({ path, patches: patchMarkers(before), timers: timers(before) }).toEqual({ path, patches: [], timers: 0 });
      const after = load(`ticket-notification-${path}.json`);
      expect({ path, patches: patchMarkers(after), timers: timers(after) }).toEqual({ path, patches: ['notification-resolve-local'], timers: 0 });
    }
  });

  it("a redelivered run records patched('notification-redelivery'), a durable timer and the memo it shows while waiting", () => {
    expect(patchMarkers(load('ticket-notification-redelivered.pre-notification-resolve-local.json'))).toEqual(['notification-redelivery']);
    const events = load('ticket-notification-redelivered.json');
    expect(patchMarkers(events)).toEqual(['notification-resolve-local', 'notification-redelivery']);
    expect(timers(events)).toBe(1);
    expect(events.filter((e) => e.workflowPropertiesModifiedEventAttributes).length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)?.workflowExecutionCompletedEventAttributes).toBeTruthy();
  });

  it('the per-ticket workflow holds events on a window timer and starts one digest run per window', () => {
    const events = load('ticket-updates-two-windows.json');
    expect(events[0].workflowExecutionStartedEventAttributes.workflowType.name).toBe('ticketUpdatesWorkflow');
    expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toHaveLength(5);
    const children = events.flatMap((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? []);
    expect(children).toEqual([expect.stringMatching(/-event-digest-history-update-1$/), expect.stringMatching(/-event-digest-history-update-4$/)]);
  });

  it('a digest run is a ticketNotificationWorkflow whose input lists the coalesced events', () => {
    const events = load('ticket-notification-digest.json');
    const started = events[0].workflowExecutionStartedEventAttributes;
    expect(started.workflowType.name).toBe('ticketNotificationWorkflow');
    const input = JSON.parse(Buffer.from(started.input.payloads[0].data as string, 'base64').toString('utf8'));
    expect(input).toMatchObject({ eventId: 'digest-history-update-1', type: 'updated' });
    expect(input.digest.map((e: { eventId: string }) => e.eventId)).toEqual(['history-update-1', 'history-update-2', 'history-update-3']);
  });
});
