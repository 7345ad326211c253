import { defineSearchAttributeKey, SearchAttributeType, type TypedSearchAttributes } from '@temporalio/common';
import type { JobType } from './contract';

export const JobTypeKey = defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD);
export const TicketIdKey = defineSearchAttributeKey('TicketId', SearchAttributeType.INT);
export const CompanyIdKey = defineSearchAttributeKey('CompanyId', SearchAttributeType.INT);
export const RequestedByKey = defineSearchAttributeKey('RequestedBy', SearchAttributeType.INT);

export interface JobTags {
  /** a registered job type */
  jobType: JobType | (string & {});
  ticketId?: number;
  companyId?: number | null;
  requestedBy?: number | null;
}

/** The tags admins filter on in the Temporal UI (JobType = 'report' AND CompanyId = 3). */
export function jobSearchAttributes(tags: JobTags) {
  const pairs: Array<{ key: typeof JobTypeKey; value: string } | { key: typeof TicketIdKey; value: number }> = [
    { key: JobTypeKey, value: tags.jobType },
  ];
  if (tags.ticketId != null) pairs.push({ key: TicketIdKey, value: tags.ticketId });
  if (tags.companyId != null) pairs.push({ key: CompanyIdKey, value: tags.companyId });
  if (tags.requestedBy != null) pairs.push({ key: RequestedByKey, value: tags.requestedBy });
  return pairs as ConstructorParameters<typeof TypedSearchAttributes>[0];
}
