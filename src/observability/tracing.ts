import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import type { Mailer } from '../mail/outgoing-mail';
import { instrumentDatabase } from './database-tracing';

/**
 * OpenTelemetry traces: API request → workflow start → workflow → activities → SMTP and database, one trace per request. Exported over
 * OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables), nothing
 * otherwise. The workflow spans leave the sandbox through the interceptors package's `exporter` sink.
 */
let processor: SpanProcessor = new NoopSpanProcessor();
let resource = new Resource({ 'service.name': 'helpdesk' });

/** Installs the process's tracer provider: from the environment (OTLP) or, in tests, with the given processor. */
export function installTracing(serviceName: string, options: { processor?: SpanProcessor; otlpEndpoint?: string } = {}): boolean {
  if (!options.processor && !options.otlpEndpoint) return false;
  // loaded only when tracing is on: the exporter, provider and instrumentation stay out of every process's memory otherwise
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and the other standard OTEL_EXPORTER_OTLP_* variables) itself
  const given = options.processor ?? new BatchSpanProcessor(new OTLPTraceExporter());
  processor = given;
  resource = new Resource({ 'service.name': serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  // outgoing HTTP (webhooks, the OTLP exporter's own calls are skipped by it) and incoming requests where http loads after this
  registerInstrumentations({ instrumentations: [new HttpInstrumentation()] });
  // every knex query (API requests and activities alike), as a child of what runs it; queries outside a trace are not recorded
  instrumentDatabase(provider);
  return true;
}

/** Interceptors for the Temporal client: the workflow start joins the active span (the API request's). */
export const tracingClientInterceptors = () => ({ workflow: [new OpenTelemetryWorkflowClientInterceptor()] });

/** The worker's activity interceptors and the sink the bundled workflow interceptors export their spans through. */
export function tracingWorkerOptions(): { activity: ActivityInterceptorsFactory[]; sinks: InjectedSinks<OpenTelemetrySinks> } {
  return {
    activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
  };
}

/**
 * The bundled workflow interceptor module: the interceptors package's (spans for the workflow and the steps it
 * schedules) for the runs started with a trace context, nothing for the others (see the module).
 */
export const TRACING_WORKFLOW_MODULE = require.resolve('./tracing-workflow-interceptor');

/** One server span per API request, named after the route pattern; what the request starts runs inside it. */
export const traceRequests: RequestHandler = (req, res, next) => {
  const tracer = trace.getTracer('helpdesk-api');
  const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.method': req.method } });
  res.on('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
    if (route) span.updateName(`${req.method} ${route}`);
    span.setAttributes({ 'http.route': route ?? 'unmatched', 'http.status_code': res.statusCode });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(context.active(), span), next);
};

/** The mailer with one client span per send ("smtp send"), a child of the step that sends; addresses and bodies are not recorded, only counts. */
export function tracedMailer(mailer: Mailer): Mailer {
  const tracer = trace.getTracer('helpdesk-mail');
  return {
    kind: mailer.kind,
    close: () => mailer.close(),
    send: (mail) =>
      tracer.startActiveSpan(`${mailer.kind} send`, { kind: SpanKind.CLIENT, attributes: { 'mail.transport': mailer.kind, 'mail.recipient_count': 1 } }, async (span) => {
        try {
          const sent = await mailer.send(mail);
          span.setAttribute('mail.accepted_count', sent.accepted.length);
          return sent;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          throw err;
        } finally {
          span.end();
        }
      }),
  };
}
