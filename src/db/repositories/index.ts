import type { Db } from '../knex';
import { createActivityLogsRepository } from './activity-logs';
import { createAlertsRepository } from './alerts';
import { createApiTokensRepository } from './api-tokens';
import { createCompaniesRepository } from './companies';
import { createFailedJobsRepository } from './failed-jobs';
import { createNotificationDeliveriesRepository } from './notification-deliveries';
import { createQueueControlsRepository } from './queue-controls';
import { createReportsRepository } from './reports';
import { createRetentionRepository } from './retention';
import { createTicketEventRefsRepository } from './ticket-event-refs';
import { createTicketsRepository } from './tickets';
import { createUsersRepository } from './users';

export function createRepositories(db: Db) {
  return {
    users: createUsersRepository(db),
    apiTokens: createApiTokensRepository(db),
    companies: createCompaniesRepository(db),
    tickets: createTicketsRepository(db),
    ticketEventRefs: createTicketEventRefsRepository(db),
    activityLogs: createActivityLogsRepository(db),
    failedJobs: createFailedJobsRepository(db),
    notificationDeliveries: createNotificationDeliveriesRepository(db),
    retention: createRetentionRepository(db),
    reports: createReportsRepository(db),
    queueControls: createQueueControlsRepository(db),
    alerts: createAlertsRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
