import type { Server } from 'node:http';
import { createAppServices } from '../composition';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { installTracing } from '../observability/tracing';
import { createTemporalUiGateway } from '../temporal-ui/gateway-app';
import { createApp } from './app';
import { sharedRateLimitSettings } from './middleware/rate-limits';

/** The API process: `node dist/src/api/server.js` in production, spawned by `npm start` in development. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { component: 'api' }, undefined, { pretty: config.logFormat === 'pretty' });
  installTracing('helpdesk-api', { otlpEndpoint: config.tracing.otlpEndpoint });
  const core = createAppServices(config, logger);
  const { db, jobs, auth } = core;
  // the rate-limit counters live in Redis or the database, so every API process counts against one budget
  const app = createApp({ ...core, rateLimits: sharedRateLimitSettings(config, db) });

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, () => resolve(s));
    s.once('error', reject);
  });
  logger.info({ url: `http://${config.api.host}:${config.api.port}` }, 'API listening');

  let uiGateway: Server | undefined;
  if (config.temporalUi.proxyPort !== undefined) {
    const gateway = createTemporalUiGateway({ auth, upstream: config.temporalUi.upstream, logger, trustProxy: config.api.trustProxy });
    uiGateway = gateway.listen(config.temporalUi.proxyPort, config.api.host);
    logger.info({ port: config.temporalUi.proxyPort, upstream: config.temporalUi.upstream }, 'Temporal UI gateway listening (view_horizon only)');
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'API shutting down');
    uiGateway?.close();
    server.close(() => {
      void Promise.allSettled([jobs.close(), db.destroy()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`api failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
