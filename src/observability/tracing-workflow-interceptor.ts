/**
 * Bundled into the workflow code (workflow interceptor module): the OpenTelemetry workflow interceptors of
 * @temporalio/interceptors-opentelemetry, for the runs whose start carries a trace context (the API or gateway that
 * started them traces: src/observability/tracing.ts), and nothing for the others.
 *
 * Why not always: the interceptors keep an AsyncLocalStorage open for as long as the run stays in the worker's cache,
 * and on Node 20 every live AsyncLocalStorage is copied onto every promise the whole worker process creates (knex,
 * mysql2, nodemailer, the SDK). With a few hundred runs cached (a burst of ticket events) that was a fifth of the
 * notifications worker's CPU, for spans nobody exports when tracing is off. Sinks and headers are not commands: which
 * runs are traced leaves histories, and their replay, unchanged; the choice reads only the run's start headers, so a
 * replay makes the same one.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import {
  defaultPayloadConverter,
  type Payload,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

/** The header the OpenTelemetry client and workflow interceptors carry the W3C trace context in. */
export const TRACE_HEADER = '_tracer-data';

/** Whether a start's headers carry a trace context (a client with tracing off sends the header with an empty carrier). */
export function carriesTraceContext(headers: Record<string, Payload> | undefined): boolean {
  const encoded = headers?.[TRACE_HEADER];
  if (!encoded) return false;
  try {
    const carrier = defaultPayloadConverter.fromPayload<Record<string, unknown> | null>(encoded);
    return typeof carrier === 'object' && carrier !== null && typeof carrier.traceparent === 'string';
  } catch {
    return false;
  }
}

type Interceptor = object;
type Method = (input: unknown, next: (input: unknown) => unknown) => unknown;

/**
 * An interceptor with the methods of `prototype` that hands each call to the real interceptor (made on first use)
 * while the run is traced, and straight to `next` otherwise.
 */
function gated<T extends Interceptor>(prototype: T, make: () => T, traced: () => boolean): T {
  let real: T | undefined;
  const wrapper: Record<string, Method> = {};
  for (const name of Object.getOwnPropertyNames(prototype)) {
    if (name === 'constructor' || typeof (prototype as Record<string, unknown>)[name] !== 'function') continue;
    wrapper[name] = (input, next) => {
      if (!traced()) return next(input);
      real ??= make();
      return ((real as Record<string, Method>)[name] as Method).call(real, input, next);
    };
  }
  return wrapper as T;
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  // decided by the run's start, before anything else of the run is intercepted (signals, queries and updates that come
  // earlier pass through untraced, as they would without a trace context)
  let traced = false;
  const isTraced = () => traced;
  const otelInbound = gated<WorkflowInboundCallsInterceptor>(
    OpenTelemetryInboundInterceptor.prototype as WorkflowInboundCallsInterceptor,
    () => new OpenTelemetryInboundInterceptor(),
    isTraced,
  );
  const inbound: WorkflowInboundCallsInterceptor = {
    ...otelInbound,
    execute(input, next) {
      traced = carriesTraceContext(input.headers);
      return otelInbound.execute ? otelInbound.execute(input, next) : next(input);
    },
  };
  return {
    inbound: [inbound],
    outbound: [
      gated<WorkflowOutboundCallsInterceptor>(
        OpenTelemetryOutboundInterceptor.prototype as WorkflowOutboundCallsInterceptor,
        () => new OpenTelemetryOutboundInterceptor(),
        isTraced,
      ),
    ],
    internals: [
      gated<WorkflowInternalsInterceptor>(
        OpenTelemetryInternalsInterceptor.prototype as WorkflowInternalsInterceptor,
        () => new OpenTelemetryInternalsInterceptor(),
        isTraced,
      ),
    ],
  };
};
