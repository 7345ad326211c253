import './zod';
import type { AnyZodObject, ZodTypeAny } from 'zod';
import type { Permission } from '../../auth/permissions';

/** The statuses an error answer can have; each is documented with the one error format. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** A success answer: its status, what it means and, unless it has no body (204), its schema. */
export interface SuccessResponse {
  description: string;
  /** the JSON body; leave out for an answer without a body */
  schema?: ZodTypeAny;
  /** other media types than JSON (a report download), each with its own schema */
  content?: Record<string, ZodTypeAny>;
  headers?: Record<string, { description: string; schema: { type: 'string' | 'integer'; format?: string } }>;
  /**
   * OpenAPI links from this answer to other operations (by operation id), with runtime expressions for their
   * parameters, e.g. `{ getReport: { operationId: 'getReport', parameters: { id: '$response.body#/id' } } }`.
   */
  links?: Record<string, { operationId: string; parameters: Record<string, string>; description?: string }>;
}

/**
 * What the API reference says about one route. Every route file exports a list of these next to its router
 * (the same zod schemas that `validated()` checks), and src/api/openapi/document.ts lists every route file's list once.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** the Express path, `:name` parameters and all, exactly as the router registers it */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /**
   * `'public'`: no token needed; `'authenticated'`: any valid bearer token; a permission (or a list, any one of
   * which is enough): a token whose role grants it.
   */
  access: 'public' | 'authenticated' | Permission | Permission[];
  request?: {
    params?: AnyZodObject;
    query?: AnyZodObject;
    headers?: AnyZodObject;
    body?: ZodTypeAny;
    /** a request body that the route accepts, shown in the reference */
    example?: unknown;
  };
  /** the success answers by status (200, 201, 202, 204), and any answer that does not have the error format (/ready's 503) */
  responses: Partial<Record<200 | 201 | 202 | 204 | 503, SuccessResponse>>;
  /**
   * Error statuses beyond the ones every route gets from its shape: 400 when it takes input, 401/403 when it needs
   * a token or permission, 413/415 with a body, 503 when a dependency can be down. Name 404, 409, 422 and 429 here.
   */
  errors?: ErrorStatus[];
  /** the route never touches the database or Temporal (no 503) */
  noDependencies?: boolean;
}

/** Keeps the literal types of a route file's docs while checking them. */
export function routeDocs(docs: RouteDoc[]): RouteDoc[] {
  return docs;
}

/** `/api/reports/:id` → `/api/reports/{id}`; a parameter's inline pattern (`:action(pause|resume)`) is dropped. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)(\([^)]*\))?/g, '{$1}');
}
