import { NOTIFICATION_FAILURES } from '../jobs/contract';

export interface SmtpFailureClass {
  type: (typeof NOTIFICATION_FAILURES)['smtpPermanent' | 'smtpAuth' | 'smtpTransient'];
  retryable: boolean;
  responseCode?: number;
  code?: string;
  /** safe to store and log: no credentials */
  message: string;
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EPROTOCOL']);

/** Strips anything that looks like credentials in a URL (`smtp://user:secret@host`) or an AUTH exchange. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1[redacted]@')
    .replace(/(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2)\s+)\S+/gi, '$1[redacted]');
}

/**
 * 5xx replies and failed authentication will not heal by retrying; 4xx replies and lost or refused
 * connections usually do. Unknown errors are treated as transient: the retry policy bounds them.
 */
export function classifySmtpError(err: unknown): SmtpFailureClass {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const message = redactSecrets(String(e.message ?? err)).slice(0, 1000);
  const base = { code, responseCode, message };
  if (code === 'EAUTH' || responseCode === 530 || responseCode === 535) {
    return { ...base, type: NOTIFICATION_FAILURES.smtpAuth, retryable: false };
  }
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) {
    return { ...base, type: NOTIFICATION_FAILURES.smtpPermanent, retryable: false };
  }
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return { ...base, type: NOTIFICATION_FAILURES.smtpTransient, retryable: true };
  }
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return { ...base, type: NOTIFICATION_FAILURES.smtpTransient, retryable: true };
  }
  return { ...base, type: NOTIFICATION_FAILURES.smtpTransient, retryable: true };
}
