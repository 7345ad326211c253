import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Credentials never reach the logs: bearer tokens, session cookies (the Temporal UI cookie is a token), passwords, SMTP URLs. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'smtpUrl',
  '*.smtpUrl',
];

export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = { level, base: { pid: process.pid, ...bindings }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
