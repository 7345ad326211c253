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
 *
 * JSON goes to stdout asynchronously: lines logged while a write is under way go out together in the next one,
 * instead of one blocking write per line (a request's log line was about 5% of the API's CPU per accepted event).
 * Nothing waits for more output to write a line, and pino writes out what is left when the process exits, on a crash
 * too; only a process killed outright (SIGKILL, out of memory) loses its last lines.
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
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
