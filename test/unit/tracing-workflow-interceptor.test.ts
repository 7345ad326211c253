import { defaultPayloadConverter } from '@temporalio/common';
import { carriesTraceContext, interceptors, TRACE_HEADER } from '../../src/observability/tracing-workflow-interceptor';

const header = (carrier: unknown) => ({ [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('tracing workflow interceptors: only runs started with a trace context are traced', () => {
  it('a start from a tracing client carries a trace context', () => {
    expect(carriesTraceContext(header({ traceparent: TRACEPARENT }))).toBe(true);
  });

  it('a start from a client with tracing off (empty carrier), without the header (schedules) or with a broken one does not', () => {
    expect(carriesTraceContext(header({}))).toBe(false);
    expect(carriesTraceContext({})).toBe(false);
    expect(carriesTraceContext(undefined)).toBe(false);
    expect(carriesTraceContext(header(null))).toBe(false);
    expect(carriesTraceContext({ [TRACE_HEADER]: { metadata: { encoding: Buffer.from('binary/unknown') }, data: Buffer.from('x') } })).toBe(false);
  });

  it('an untraced run hands every call straight on, unchanged', async () => {
    const { inbound, outbound, internals } = interceptors();
    const input = { headers: {}, args: [] };
    const run = { done: true };
    await expect(inbound![0].execute!(input as never, async (given) => (given === input ? run : undefined))).resolves.toBe(run);
    const activity = { activityType: 'sendTicketNotification', headers: {} };
    await expect(outbound![0].scheduleActivity!(activity as never, async (given) => given)).resolves.toBe(activity);
    let disposed = false;
    internals![0].dispose!({} as never, () => {
      disposed = true;
    });
    expect(disposed).toBe(true);
  });

  it('every method of the OpenTelemetry interceptors is covered', () => {
    const { inbound, outbound, internals } = interceptors();
    expect(Object.keys(inbound![0])).toEqual(expect.arrayContaining(['execute', 'handleSignal', 'handleQuery', 'handleUpdate', 'validateUpdate']));
    expect(Object.keys(outbound![0])).toEqual(expect.arrayContaining(['scheduleActivity', 'scheduleLocalActivity', 'startChildWorkflowExecution', 'continueAsNew', 'signalWorkflow']));
    expect(Object.keys(internals![0])).toEqual(['dispose']);
  });
});
