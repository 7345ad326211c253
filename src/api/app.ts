import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { requestLogOptions } from '../observability/logging';
import { traceRequests } from '../observability/tracing';
import { createApiMetrics } from '../observability/metrics/api-metrics';
import type { AppDeps } from './deps';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { answerOptions, methodNotAllowed } from './middleware/method-not-allowed';
import { allRouteDocs } from './openapi/document';
import { createAdminAlertsRouter } from './routes/admin-alerts';
import { createAdminAuditRouter } from './routes/admin-audit';
import { createAdminCleanupRouter } from './routes/admin-cleanup';
import { createAdminFailedJobsRouter } from './routes/admin-failed-jobs';
import { createAdminJobTypesRouter } from './routes/admin-job-types';
import { createAdminJobsRouter } from './routes/admin-jobs';
import { createAdminMetricsRouter } from './routes/admin-metrics';
import { createAdminJobDetailRouter } from './routes/admin-job-detail';
import { createAdminQueuesRouter } from './routes/admin-queues';
import { createAdminTemporalUiRouter } from './routes/admin-temporal-ui';
import { createAuthRouter } from './routes/auth';
import { createCompaniesRouter } from './routes/companies';
import { createDevMailboxRouter } from './routes/dev-mailbox';
import { devMailboxEnabled } from '../dev-mailbox/dev-mailbox';
import { createHealthRouter } from './routes/health';
import { createMetricsRouter } from './routes/metrics';
import { createOpenApiRouter } from './routes/openapi';
import { createPagesRouter } from './routes/pages';
import { createReportsRouter } from './routes/reports';
import { createTicketEventsRouter } from './routes/ticket-events';
import { createUnsubscribeRouter } from './routes/unsubscribe';
import { createVendorAssetsRouter } from './routes/vendor-assets';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // X-Forwarded-For is believed only from the proxies TRUST_PROXY names: anyone else could pick their own address
  app.set('trust proxy', deps.config.api.trustProxy);
  app.use(helmet());
  app.use(traceRequests);
  const metrics = createApiMetrics(deps);
  app.use(metrics.middleware);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      ...requestLogOptions,
    }),
  );
  // answers under /api carry tokens or a user's data: no shared or browser cache may keep them
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(express.json({ limit: deps.config.api.jsonBodyLimit, strict: true }));
  app.use(answerOptions(allRouteDocs()));

  app.use(createHealthRouter(deps));
  app.use(createOpenApiRouter());
  app.use(createMetricsRouter(deps, metrics));
  app.use(createAuthRouter(deps));
  app.use(createAdminCleanupRouter(deps));
  app.use(createAdminTemporalUiRouter(deps));
  app.use(createAdminAlertsRouter(deps));
  app.use(createAdminAuditRouter(deps));
  app.use(createAdminFailedJobsRouter(deps));
  app.use(createAdminJobTypesRouter(deps));
  app.use(createAdminJobDetailRouter(deps));
  app.use(createAdminJobsRouter(deps));
  app.use(createAdminMetricsRouter(deps));
  app.use(createAdminQueuesRouter(deps));
  app.use(createCompaniesRouter(deps));
  app.use(createReportsRouter(deps));
  app.use(createTicketEventsRouter(deps));
  app.use(createUnsubscribeRouter(deps));
  app.use(createDevMailboxRouter(deps));
  app.use(createVendorAssetsRouter());
  app.use(createPagesRouter({ devMailbox: devMailboxEnabled(deps.config) }));

  app.use(methodNotAllowed(allRouteDocs()));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
