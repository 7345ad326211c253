import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { MethodNotAllowed } from './method-not-allowed';
import { Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, notFound, serviceUnavailable, TooManyRequests, Unauthenticated, Unavailable, Unprocessable } from '../../errors';

/** An error as the client sees it: status, the `{ error: { code, message, details } }` body and headers. */
export interface HttpError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers: Record<string, string>;
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** The one mapping from domain errors to HTTP statuses. */
function statusOf(err: DomainError): number {
  if (err instanceof Invalid) return 400;
  if (err instanceof Unauthenticated) return 401;
  if (err instanceof Forbidden) return 403;
  if (err instanceof NotFound) return 404;
  if (err instanceof Conflict) return 409;
  if (err instanceof Gone) return 410;
  if (err instanceof Unprocessable) return 422;
  if (err instanceof TooManyRequests) return 429;
  if (err instanceof Unavailable) return 503;
  return 500;
}

function fromDomain(err: DomainError): HttpError {
  const retryAfter = err instanceof TooManyRequests || err instanceof Unavailable ? err.retryAfterSeconds : undefined;
  return {
    status: statusOf(err),
    code: err.code,
    message: err.message,
    details: err.details,
    headers: retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
  };
}

const httpError = (status: number, code: string, message: string, details?: unknown): HttpError => ({ status, code, message, details, headers: {} });

/** What the client gets for an error; undefined for an unexpected one (a 500). */
export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof DomainError) return fromDomain(err);
  if (err instanceof MethodNotAllowed) return { ...httpError(405, 'method_not_allowed', err.message), headers: { Allow: err.allow.join(', ') } };
  if (isDatabaseUnavailable(err)) return fromDomain(serviceUnavailable('The database is unavailable right now; please try again shortly.'));
  const parserError = err as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') {
    return httpError(400, 'invalid_json', 'The request body is not valid JSON', [{ field: 'body', message: parserError.message }]);
  }
  if (parserError?.type === 'entity.too.large') {
    return httpError(413, 'payload_too_large', 'The request body is too large');
  }
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return httpError(415, 'unsupported_media_type', parserError.message);
  }
  // Express and body-parser mark the client's own mistakes (a bad percent-escape, a body that is not the gzip it claims) with a 4xx status
  const status = parserError?.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    if (/^Failed to decode param/.test(parserError.message)) {
      return httpError(status, 'bad_request', 'The path holds a malformed percent-escape', [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }]);
    }
    return httpError(status, status === 400 ? 'bad_request' : 'client_error', status === 400 ? 'The request could not be read' : parserError.message, [
      { field: 'body', message: parserError.message },
    ]);
  }
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound('Route'));

/** The one place that turns errors into `{ error: { code, message, details } }`. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const answer = toHttpError(err);
  if (!answer) {
    req.log?.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong', details: null } });
    return;
  }
  if (answer.status >= 500) req.log?.warn({ err }, answer.message);
  res.set(answer.headers);
  res.status(answer.status).json({
    error: { code: answer.code, message: answer.message, details: answer.details ?? null },
  });
};
