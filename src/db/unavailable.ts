/** Socket-level failures: the database host refused, dropped or never answered the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2: the server closed the connection, or a query outlived mysql2's own timeout
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/** MySQL/MariaDB server errors that say "not now", not "this request is wrong". */
const SERVER_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1158, // ER_NET_READ_ERROR
  1159, // ER_NET_READ_INTERRUPTED
  1160, // ER_NET_ERROR_ON_WRITE
  1161, // ER_NET_WRITE_INTERRUPTED
  1203, // ER_TOO_MANY_USER_CONNECTIONS
  1205, // ER_LOCK_WAIT_TIMEOUT: innodb_lock_wait_timeout
  1317, // ER_QUERY_INTERRUPTED: killed, e.g. at server shutdown
  1927, // MariaDB ER_CONNECTION_KILLED
  1969, // MariaDB ER_STATEMENT_TIMEOUT: max_statement_time
  3024, // MySQL ER_QUERY_TIMEOUT: max_execution_time
  3032, // ER_SERVER_OFFLINE_MODE
  4031, // ER_CLIENT_INTERACTION_TIMEOUT
]);

/** better-sqlite3: another connection held the lock past the busy timeout, or the file cannot be reached. */
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN)(_|$)/;

interface DriverError {
  name?: string;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function isUnavailable(err: DriverError): boolean {
  // knex: no pooled connection within acquireConnectionTimeout, or a query past its .timeout()
  if (err.name === 'KnexTimeoutError') return true;
  if (typeof err.code === 'string' && (NETWORK_CODES.has(err.code) || SQLITE_CODE.test(err.code))) return true;
  // mysql2 sets errno and sqlState on errors the server sent; a bare errno is a Node system error number
  if (typeof err.errno === 'number' && typeof err.sqlState === 'string' && SERVER_ERRNOS.has(err.errno)) return true;
  // mysql2, on a connection that already died: "Can't add new command when connection is in closed state"
  return typeof err.message === 'string' && /connection is in closed state/.test(err.message);
}

/**
 * True when an error means the database cannot answer right now (connection refused, reset or lost, a pool or
 * statement timeout, a lock held past the busy timeout): the caller should get 503 and try again later,
 * not a 500. Follows `cause` and AggregateError's `errors` (a host name with several addresses).
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as DriverError;
  if (isUnavailable(e)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}
