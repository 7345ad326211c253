import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { executionSummaryFromRaw } from '../../src/jobs/gateway/execution-info';
import { deliveryNote } from '../../src/notifications/delivery-state';

describe('the delivery state a notification run keeps in its memo', () => {
  const waiting = { phase: 'waiting_to_redeliver', nextTryAt: '2026-01-05T09:05:00.000Z', redeliveryRound: 1, waitingFor: [7] };

  it('reads "waiting to redeliver, next try at …" only while the run waits on its timer', () => {
    expect(deliveryNote({ deliveryState: waiting })).toBe('waiting to redeliver, next try at 2026-01-05T09:05:00.000Z');
    expect(deliveryNote({ deliveryState: { ...waiting, phase: 'sending', nextTryAt: null } })).toBeNull();
    expect(deliveryNote(undefined)).toBeNull();
    expect(deliveryNote({ other: 1 })).toBeNull();
  });

  it('the Jobs list reads the memo from a visibility entry', () => {
    const raw = temporal.api.workflow.v1.WorkflowExecutionInfo.create({
      execution: { workflowId: 'ticket-1-event-e1', runId: 'r1' },
      type: { name: 'ticketNotificationWorkflow' },
      status: temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      memo: { fields: { deliveryState: defaultPayloadConverter.toPayload(waiting) } },
    });
    const summary = executionSummaryFromRaw(raw);
    expect(summary.memo).toEqual({ deliveryState: waiting });
    expect(deliveryNote(summary.memo)).toBe('waiting to redeliver, next try at 2026-01-05T09:05:00.000Z');
  });
});
