import type { Request, RequestHandler, Response } from 'express';
import type { z, ZodError, ZodTypeAny } from 'zod';
import { asyncHandler } from './async-handler';
import { badRequest, type FieldError } from '../../errors';

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

/**
 * The query parser drops a parameter with an empty name (`?=x`, `?a=1&=x`), so the strict query schemas never see
 * it: refuse it here, as every other unknown parameter is refused.
 */
function namelessQueryParameter(req: Request): boolean {
  const search = req.originalUrl.split('?')[1] ?? '';
  return search.split('&').some((part) => part.startsWith('='));
}

/** Parses body, query and params; the parsed values replace the raw ones so coercions apply. */
export function validate(schemas: Schemas): RequestHandler {
  return (req, _res, next) => {
    const errors: FieldError[] = [];
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      if (part === 'query' && namelessQueryParameter(req)) {
        errors.push({ field: 'query', message: 'has a parameter with no name' });
        continue;
      }
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

type Parsed<S extends Schemas, Part extends keyof Schemas> = S extends { [K in Part]: infer T extends ZodTypeAny } ? z.output<T> : undefined;

/** The request parts `validated()` hands a handler, typed by the schemas given (undefined for a part without one). */
export interface ValidatedInput<S extends Schemas> {
  params: Parsed<S, 'params'>;
  query: Parsed<S, 'query'>;
  body: Parsed<S, 'body'>;
}

/**
 * Validates like `validate()`, then runs an async handler with the parsed, typed values: routes never cast `req.body`.
 * `thenRun` holds middleware that must see only valid requests but run before the handler (the login rate limit, keyed by the e-mail).
 */
export function validated<S extends Schemas>(
  schemas: S,
  handler: (input: ValidatedInput<S>, req: Request, res: Response) => Promise<unknown>,
  options: { thenRun?: RequestHandler | RequestHandler[] } = {},
): RequestHandler[] {
  const between = options.thenRun === undefined ? [] : Array.isArray(options.thenRun) ? options.thenRun : [options.thenRun];
  return [
    validate(schemas),
    ...between,
    asyncHandler(async (req, res) => {
      // validate() replaced each part it had a schema for with the schema's output
      const input = {
        params: schemas.params ? req.params : undefined,
        query: schemas.query ? req.query : undefined,
        body: schemas.body ? req.body : undefined,
      } as ValidatedInput<S>;
      await handler(input, req, res);
    }),
  ];
}
