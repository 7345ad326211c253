/**
 * Domain errors: what went wrong, in the services' words, with no HTTP in sight.
 * Services, the auth service and the jobs gateway throw these; only src/api/middleware/error-handler.ts
 * turns them into statuses, the `{ error: { code, message, details } }` body and Retry-After.
 */

export interface FieldError {
  field: string;
  message: string;
}

/** The base of every domain error: a stable `code` clients can match on, and optional details. */
export abstract class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is wrong; `details` names each field and what is wrong with it. */
export class Invalid extends DomainError {
  constructor(message: string, details: FieldError[]) {
    super('validation_failed', message, details);
  }
}

/** No (valid) credentials. */
export class Unauthenticated extends DomainError {
  constructor(message = 'Authentication required') {
    super('unauthorized', message);
  }
}

/** Known caller, not allowed to do this. */
export class Forbidden extends DomainError {
  constructor(message = 'You do not have permission to do this', details?: FieldError[]) {
    super('forbidden', message, details);
  }
}

/** Missing, or not the caller's to see (which looks the same). */
export class NotFound extends DomainError {
  constructor(message: string, details?: FieldError[]) {
    super('not_found', message, details);
  }
}

/** The request clashes with the current state (a run in progress, a report not ready). */
export class Conflict extends DomainError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** It existed, but is no more and will not be again (an expired link); the code says what. */
export class Gone extends DomainError {
  constructor(code: string, message: string, details?: FieldError[]) {
    super(code, message, details);
  }
}

/** Well-formed, but asks for something this system will not do (a PDF beyond its row limit); the code says what. */
export class Unprocessable extends DomainError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, message, details);
  }
}

/** The caller is over a limit; asking again after `retryAfterSeconds` may succeed. */
export class TooManyRequests extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too_many_requests', message);
  }
}

/** A dependency (database, Temporal) is down or not answering; asking again after `retryAfterSeconds` is safe. */
export class Unavailable extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super('service_unavailable', message);
  }
}

// the short spellings the services use
export const badRequest = (message: string, details: FieldError[]) => new Invalid(message, details);
export const unauthorized = (message?: string) => new Unauthenticated(message);
export const forbidden = (message?: string) => new Forbidden(message);
export const notFound = (what = 'Resource') => new NotFound(`${what} not found`);
export const conflict = (message: string) => new Conflict(message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) => new TooManyRequests(message, retryAfterSeconds);
export const serviceUnavailable = (message: string, retryAfterSeconds = 5) => new Unavailable(message, retryAfterSeconds);
