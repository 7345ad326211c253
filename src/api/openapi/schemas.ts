import { z } from 'zod';

/** One field that failed validation: where (`body.filters.to`, `query.limit`, `params.id`) and why. */
export const fieldErrorSchema = z.object({ field: z.string(), message: z.string() });

/**
 * The one error format of every 4xx and 5xx answer. `details` lists the fields on a 400, may carry what the
 * client needs to decide on a 422 (`report_too_large`: rowCount, limit, suggestedFormats), and is null otherwise.
 */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.union([z.array(fieldErrorSchema), z.record(z.unknown()), z.null()]),
  }),
});

export const isoInstant = z.string().datetime({ offset: true });
export const nullableInstant = isoInstant.nullable();
