import type { RequestHandler } from 'express';
import type { ZodError, ZodTypeAny } from 'zod';
import { badRequest, type FieldError } from '../errors';

const fieldName = (prefix: string, path: Array<string | number>) => [prefix, ...path].filter((part) => part !== '').join('.') || prefix || 'body';

/** One entry per field; an unknown key is named as the field itself, so the caller sees which one to drop. */
export function fieldErrors(error: ZodError, prefix: string): FieldError[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: fieldName(prefix, [...issue.path, key]), message: 'is not a known field' }))
      : [{ field: fieldName(prefix, issue.path), message: issue.message }],
  );
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
