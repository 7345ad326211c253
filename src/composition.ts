import { createAlertsService } from './admin/alerts-service';
import { createAuditService } from './admin/audit-trail';
import { createFailedJobsService } from './admin/failed-jobs-service';
import { describeJobTypes } from './admin/job-types-service';
import { createJobsService } from './admin/jobs-service';
import { createOverviewService } from './admin/overview-service';
import { createQueuesService } from './admin/queues-service';
import { createAuthService, type AuthService } from './auth/auth-service';
import { createCleanupService } from './cleanup/cleanup-service';
import { createCompaniesService } from './companies/companies-service';
import { temporalAddress, type Config } from './config';
import { createApiDb, type Db } from './db/knex';
import { createRepositories, type Repositories } from './db/repositories';
import { createWorkerHeartbeatsRepository } from './db/repositories/worker-heartbeats';
import { JobsGateway } from './jobs/gateway';
import type { Logger } from './logger';
import { createDevMailbox } from './dev-mailbox/dev-mailbox';
import { createJobDetailService } from './observability/job-detail';
import { createJobMetricsStore } from './observability/metrics/store';
import { jobSeries, type ChartWindow } from './observability/metrics/series';
import { createTicketEventsService } from './notifications/ticket-events-service';
import { createUnsubscribeService } from './notifications/unsubscribe-service';
import { createReportService } from './reports/report-service';
import { createReportStorage, type ReportStorage } from './reports/storage';

/** Every service the API offers, each built once. */
export interface AppServices {
  ticketEvents: ReturnType<typeof createTicketEventsService>;
  reports: ReturnType<typeof createReportService>;
  cleanup: ReturnType<typeof createCleanupService>;
  failedJobs: ReturnType<typeof createFailedJobsService>;
  queues: ReturnType<typeof createQueuesService>;
  /** the admin job search and job detail */
  jobSearch: ReturnType<typeof createJobsService>;
  overview: ReturnType<typeof createOverviewService>;
  audit: ReturnType<typeof createAuditService>;
  /** the Jobs page's Alerts section */
  alerts: ReturnType<typeof createAlertsService>;
  unsubscribe: ReturnType<typeof createUnsubscribeService>;
  /** the outbox folder read as an inbox (served in development without SMTP_URL only) */
  devMailbox: ReturnType<typeof createDevMailbox>;
  /** the Jobs page's detail panel */
  jobDetail: ReturnType<typeof createJobDetailService>;
  /** the Jobs page's charts, from the workers' per-minute job metrics */
  jobMetrics: { series(filter: { window: ChartWindow; queue?: string; jobType?: string }): ReturnType<typeof jobSeries> };
  jobTypes: { describe(): ReturnType<typeof describeJobTypes> };
  companies: ReturnType<typeof createCompaniesService>;
}

/** What the services are built from. */
export interface ServiceParts {
  config: Config;
  logger: Logger;
  db: Db;
  repos: Repositories;
  jobs: JobsGateway;
  storage: ReportStorage;
}

export function createServices({ config, logger, db, repos, jobs, storage }: ServiceParts): AppServices {
  const uiUrl = config.temporal.uiUrl;
  const metricsStore = createJobMetricsStore(db);
  return {
    ticketEvents: createTicketEventsService({ config, repos, jobs }),
    reports: createReportService({ config, db, repos, jobs, storage }),
    cleanup: createCleanupService(jobs, repos),
    failedJobs: createFailedJobsService({ repos, jobs }),
    queues: createQueuesService(repos),
    jobSearch: createJobsService({ jobs, uiUrl, failedJobs: repos.failedJobs }),
    overview: createOverviewService({
      jobs,
      uiUrl,
      queueState: (queue) => repos.queueControls.get(queue),
      workerHeartbeats: createWorkerHeartbeatsRepository(db).list,
    }),
    audit: createAuditService(repos),
    alerts: createAlertsService({ repos, settings: config.alerts }),
    unsubscribe: createUnsubscribeService({ config, repos, logger }),
    jobDetail: createJobDetailService({ jobs, repos, uiUrl }),
    devMailbox: createDevMailbox(config.mail.outboxDir),
    jobMetrics: { series: (filter) => jobSeries(metricsStore, filter) },
    jobTypes: { describe: () => describeJobTypes(jobs.registry, config.workers) },
    companies: createCompaniesService(repos),
  };
}

/** The application: its database, repositories, auth, jobs gateway, report storage and services. */
export interface AppCore extends ServiceParts {
  logger: Logger;
  auth: AuthService;
  services: AppServices;
}

/**
 * The one composition root: the API process and the test system both build the application here,
 * so tests run what production runs. A database or jobs gateway given is used instead of a new one
 * (the test system migrates its database first; a test may point the gateway at a dead address).
 */
export function createAppServices(config: Config, logger: Logger, given: { db?: Db; jobs?: JobsGateway; storage?: ReportStorage } = {}): AppCore {
  const db = given.db ?? createApiDb(config.database);
  const repos = createRepositories(db);
  const jobs = given.jobs ?? JobsGateway.create({ address: temporalAddress(config), namespace: config.temporal.namespace, logger });
  const auth = createAuthService(repos, { tokenTtlHours: config.api.tokenTtlHours });
  const storage = given.storage ?? createReportStorage(config.reports);
  const services = createServices({ config, logger, db, repos, jobs, storage });
  return { config, logger, db, repos, jobs, auth, storage, services };
}
