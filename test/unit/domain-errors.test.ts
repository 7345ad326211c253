import { toHttpError } from '../../src/api/middleware/error-handler';
import { badRequest, Conflict, DomainError, Forbidden, NotFound, notFound, serviceUnavailable, TooManyRequests, Unauthenticated, Unavailable, Unprocessable } from '../../src/errors';

describe('domain errors as the error handler answers them', () => {
  it.each([
    ['Invalid', badRequest('Invalid request: limit', [{ field: 'query.limit', message: 'too big' }]), 400, 'validation_failed'],
    ['Unauthenticated', new Unauthenticated(), 401, 'unauthorized'],
    ['Forbidden', new Forbidden(), 403, 'forbidden'],
    ['NotFound', notFound('Report'), 404, 'not_found'],
    ['Conflict', new Conflict('Report 1 is running'), 409, 'conflict'],
    ['Unprocessable', new Unprocessable('report_too_large', 'too many rows', { limit: 1 }), 422, 'report_too_large'],
    ['TooManyRequests', new TooManyRequests('slow down', 30), 429, 'too_many_requests'],
    ['Unavailable', serviceUnavailable('Temporal is down'), 503, 'service_unavailable'],
  ] as const)('%s keeps its status and code', (_name, err, status, code) => {
    expect(err).toBeInstanceOf(DomainError);
    expect(toHttpError(err)).toMatchObject({ status, code, message: err.message });
  });

  it('carries field details through unchanged', () => {
    const details = [{ field: 'ticketId', message: 'Ticket not found' }];
    expect(toHttpError(new NotFound('Ticket not found', details))?.details).toEqual(details);
  });

  it('sends Retry-After for a busy caller and a dependency that is down (5 s unless said otherwise), and for nothing else', () => {
    expect(toHttpError(new TooManyRequests('slow down', 30))?.headers).toEqual({ 'Retry-After': '30' });
    expect(toHttpError(new Unavailable('down'))?.headers).toEqual({ 'Retry-After': '5' });
    expect(toHttpError(new Conflict('busy'))?.headers).toEqual({});
  });

  it('leaves an unexpected error to the 500 answer', () => {
    expect(toHttpError(new Error('boom'))).toBeUndefined();
  });
});
