import { adminJobDetailRouteDocs } from '../routes/admin-job-detail';
import { adminMetricsRouteDocs } from '../routes/admin-metrics';
import { companiesRouteDocs } from '../routes/companies';
import { devMailboxRouteDocs } from '../routes/dev-mailbox';
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { PERMISSIONS } from '../../auth/permissions';
import { adminAlertsRouteDocs } from '../routes/admin-alerts';
import { adminAuditRouteDocs } from '../routes/admin-audit';
import { adminCleanupRouteDocs } from '../routes/admin-cleanup';
import { adminFailedJobsRouteDocs } from '../routes/admin-failed-jobs';
import { adminJobTypesRouteDocs } from '../routes/admin-job-types';
import { adminJobsRouteDocs } from '../routes/admin-jobs';
import { adminQueuesRouteDocs } from '../routes/admin-queues';
import { adminTemporalUiRouteDocs } from '../routes/admin-temporal-ui';
import { authRouteDocs } from '../routes/auth';
import { healthRouteDocs } from '../routes/health';
import { openApiRouteDocs } from '../routes/openapi';
import { reportsRouteDocs } from '../routes/reports';
import { ticketEventsRouteDocs } from '../routes/ticket-events';
import { openApiPath, type ErrorStatus, type RouteDoc } from './route-doc';
import { errorBodySchema } from './schemas';


/**
 * Every route file's docs, once each: a route file added to app.ts adds its list here (a test fails otherwise).
 * A function, so that the route file serving this document may import it back.
 */
export function allRouteDocs(): RouteDoc[] {
  return [
    ...healthRouteDocs,
    ...openApiRouteDocs,
    ...authRouteDocs,
    ...adminCleanupRouteDocs,
    ...adminTemporalUiRouteDocs,
    ...adminAuditRouteDocs,
    ...adminFailedJobsRouteDocs,
    ...adminJobTypesRouteDocs,
    ...adminJobsRouteDocs,
    ...adminQueuesRouteDocs,
    ...reportsRouteDocs,
    ...ticketEventsRouteDocs,
    ...companiesRouteDocs,
    ...devMailboxRouteDocs,
    ...adminMetricsRouteDocs,
    ...adminJobDetailRouteDocs,
    ...adminAlertsRouteDocs,
  ];
}

const ERROR_MEANINGS: Record<ErrorStatus, string> = {
  400: 'The request is invalid: `details` names each field (`body.x`, `query.x`, `params.x`) and what is wrong with it',
  401: 'No valid bearer token: missing, malformed, expired or revoked',
  403: "The token's role lacks the permission this operation needs",
  404: 'Not found, or not visible to the caller (another company\'s data is answered like data that does not exist)',
  409: 'The request conflicts with the current state (see the message)',
  413: 'The request body is larger than API_JSON_BODY_LIMIT',
  415: 'The request body has an unsupported content encoding or charset',
  422: 'Well-formed, but asks for something this system will not do; `code` says what and `details` what to do instead',
  429: 'Over a rate limit or a per-user limit; Retry-After says when to ask again',
  503: 'The database or Temporal is unavailable right now; Retry-After says when to ask again',
};

const RETRY_AFTER = { description: 'Seconds to wait before asking again', schema: { type: 'integer' as const, minimum: 1 } };

function errorStatuses(doc: RouteDoc): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(doc.errors ?? []);
  const takesInput = doc.request?.params || doc.request?.query || doc.request?.body || doc.request?.headers;
  if (takesInput) statuses.add(400);
  if (doc.request?.params) statuses.add(404);
  if (doc.request?.body) [400, 413, 415].forEach((s) => statuses.add(s as ErrorStatus));
  if (doc.access !== 'public') statuses.add(401);
  if (doc.access !== 'public' && doc.access !== 'authenticated') statuses.add(403);
  if (!doc.noDependencies || doc.access !== 'public') statuses.add(503);
  return [...statuses].sort();
}

function permissionsOf(doc: RouteDoc): string[] {
  if (doc.access === 'public' || doc.access === 'authenticated') return [];
  return Array.isArray(doc.access) ? doc.access : [doc.access];
}

function accessSentence(doc: RouteDoc): string {
  if (doc.access === 'public') return 'No token needed.';
  if (doc.access === 'authenticated') return 'Needs a bearer token; no particular permission.';
  const names = permissionsOf(doc).map((p) => `\`${p}\` (${PERMISSIONS[p as keyof typeof PERMISSIONS]})`);
  return `Needs a bearer token whose role grants ${names.join(' or ')}.`;
}

function toRouteConfig(doc: RouteDoc): RouteConfig {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, answer] of Object.entries(doc.responses)) {
    const content = answer.schema ? { 'application/json': { schema: answer.schema } } : answer.content ? Object.fromEntries(Object.entries(answer.content).map(([type, schema]) => [type, { schema }])) : undefined;
    responses[status] = {
      description: answer.description,
      ...(answer.headers ? { headers: answer.headers } : {}),
      ...(content ? { content } : {}),
      ...(answer.links ? { links: answer.links } : {}),
    };
  }
  for (const status of errorStatuses(doc)) {
    if (responses[status]) continue;
    responses[status] = {
      description: ERROR_MEANINGS[status],
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
      content: { 'application/json': { schema: errorBodySchema } },
    };
  }
  const request: RouteConfig['request'] = {};
  if (doc.request?.params) request.params = doc.request.params;
  if (doc.request?.query) request.query = doc.request.query;
  if (doc.request?.headers) request.headers = doc.request.headers;
  if (doc.request?.body) {
    request.body = {
      // express.json() hands a request without a body on as {}: the body is optional when its schema accepts {}
      required: !doc.request.body.safeParse({}).success,
      content: { 'application/json': { schema: doc.request.body, ...(doc.request.example !== undefined ? { example: doc.request.example } : {}) } },
    };
  }
  const permissions = permissionsOf(doc);
  return {
    method: doc.method,
    path: openApiPath(doc.path),
    operationId: doc.operationId,
    summary: doc.summary,
    description: [doc.description, accessSentence(doc)].filter(Boolean).join('\n\n'),
    tags: [doc.tag],
    ...(doc.access === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }] }),
    'x-required-permission': permissions.length === 0 ? null : permissions.length === 1 ? permissions[0] : permissions,
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses,
  };
}

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The OpenAPI 3.1 document of every route the API serves, generated from the routes' own zod schemas. */
export function buildOpenApiDocument(docs: RouteDoc[] = allRouteDocs()): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A token from POST /api/auth/login or `npm run token`',
  });
  for (const doc of docs) registry.registerPath(toRouteConfig(doc));
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Help desk background jobs API',
      version: '1.0.0',
      description:
        'Ticket notifications, report exports and the admin console of the help desk\'s background jobs. Errors always have the body `{ "error": { "code", "message", "details" } }`.',
    },
    security: [{ bearerAuth: [] }],
  });
}

let cached: OpenApiDocument | undefined;

/** Built once per process: the routes and their schemas do not change while it runs. */
export function openApiDocument(): OpenApiDocument {
  cached ??= buildOpenApiDocument();
  return cached;
}
