// the workflow bundle entry: every workflow the workers run
export { cleanupOldDataWorkflow } from './cleanup-old-data';
export { generateReportWorkflow } from './generate-report';
export { ticketNotificationWorkflow } from './ticket-notification';
export { ticketUpdatesWorkflow } from './ticket-updates';
export { checkAlertsWorkflow } from '../src/jobs/types/alerts/workflow';
