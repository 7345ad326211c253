import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { AppError, notFound, serviceUnavailable } from '../errors';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return serviceUnavailable('The database is unavailable right now; please try again shortly.');
  const parserError = err as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') {
    return new AppError(400, 'invalid_json', 'The request body is not valid JSON', [
      { field: 'body', message: parserError.message },
    ]);
  }
  if (parserError?.type === 'entity.too.large') {
    return new AppError(413, 'payload_too_large', 'The request body is too large');
  }
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    return new AppError(415, 'unsupported_media_type', parserError.message);
  }
  // Express and body-parser mark the client's own mistakes (a bad percent-escape, a body that is not the gzip it claims) with a 4xx status
  const status = parserError?.status;
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
    if (/^Failed to decode param/.test(parserError.message)) {
      return new AppError(status, 'bad_request', 'The path holds a malformed percent-escape', [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }]);
    }
    return new AppError(status, status === 400 ? 'bad_request' : 'client_error', status === 400 ? 'The request could not be read' : parserError.message, [
      { field: 'body', message: parserError.message },
    ]);
  }
  return undefined;
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(notFound('Route'));

/** The one place that turns errors into `{ error: { code, message, details } }`. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = asAppError(err);
  if (!appError) {
    req.log?.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal_error', message: 'Something went wrong', details: null } });
    return;
  }
  if (appError.status >= 500) req.log?.warn({ err }, appError.message);
  res.set(appError.headers);
  res.status(appError.status).json({
    error: { code: appError.code, message: appError.message, details: appError.details ?? null },
  });
};
