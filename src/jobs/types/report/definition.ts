import { z } from 'zod';
import { createReportActivities } from '../../../../activities/reports';
import type { FailedJob } from '../../../db/repositories/failed-jobs';
import type { Report } from '../../../db/repositories/reports';
import { JOB_TYPES, TASK_QUEUES, WORKFLOW_TYPES, workflowIds, type GenerateReportInput } from '../../contract';
import { defineJob } from '../../job-definition';

function reportIdOf(job: FailedJob): number | null {
  const id = Number(job.payload.reportId);
  return Number.isInteger(id) && id > 0 ? id : null;
}

type Reports = Map<number, Report | undefined>;

/** A report export (workflows/generate-report.ts); a failed one runs again in place: same row, same filters. */
export const reportJob = defineJob<GenerateReportInput, Reports>({
  jobType: JOB_TYPES.report,
  workflowType: WORKFLOW_TYPES.generateReport,
  taskQueue: TASK_QUEUES.reports,
  input: z.object({ reportId: z.number().int().positive() }),
  permission: 'create_reports',
  workflowId: (input) => workflowIds.report(input.reportId),
  tags: (_input, context) => ({ companyId: context.companyId, requestedBy: context.requestedBy }),
  retry: {
    async load(jobs, repos) {
      const ids = [...new Set(jobs.filter((job) => !job.retryStatus).map(reportIdOf))].filter((id): id is number => id !== null);
      return new Map(await Promise.all(ids.map(async (id) => [id, await repos.reports.findById(id)] as const)));
    },
    notRetryableReason(job, reports) {
      const reportId = reportIdOf(job);
      const report = reportId === null ? undefined : reports.get(reportId);
      if (!report) return `The report of failed job ${job.id} was deleted; nothing to retry`;
      if (report.status !== 'failed') return `Report ${report.id} is ${report.status}; only a failed report can be retried`;
      return null;
    },
    plan(job, reports, requestedBy) {
      const report = reports.get(reportIdOf(job) as number) as Report;
      return {
        workflowId: workflowIds.reportRetry(report.id, job.id),
        input: { reportId: report.id },
        tags: { companyId: report.companyId, requestedBy },
      };
    },
  },
  activities: createReportActivities,
  workflowTaskSlots: 5,
  historyPrefix: 'generate-report',
});
