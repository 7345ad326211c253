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

/**
 * pretty: human-readable lines through pino-pretty (what `npm start` uses in development); otherwise one JSON line per entry.
 * A destination given (tests) always gets JSON.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  destination?: DestinationStream,
  format: { pretty?: boolean } = {},
): Logger {
  const options = { level, base: { pid: process.pid, ...bindings }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (format.pretty) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return pino(options);
}
