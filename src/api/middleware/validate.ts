import type { RequestHandler } from 'express';
import type { ZodError, ZodTypeAny } from 'zod';
import { badRequest, type FieldError } from '../errors';

/** An unknown key is reported on the object holding it (`body` at the top), with zod's message naming the key. */
export function fieldErrors(error: ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path].filter((part) => part !== '').join('.') || prefix || 'body',
    message: issue.message,
  }));
}

interface Schemas {
  body?: ZodTypeAny;
  query?: ZodTypeAny;
  params?: ZodTypeAny;
}

/** Parses body, query and params; the parsed values replace the raw ones so coercions apply. */
export function validate(schemas: Schemas): RequestHandler {
  return (req, _res, next) => {
    const errors: FieldError[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      const result = schema.safeParse(req[part] ?? {});
      if (result.success) req[part] = result.data;
      else errors.push(...fieldErrors(result.error, part === 'body' ? '' : part));
    }
    if (errors.length > 0) {
      next(badRequest(`Invalid request: ${errors.map((e) => e.field).join(', ')}`, errors));
      return;
    }
    next();
  };
}
