import { KnexTimeoutError } from 'knex';
import { isDatabaseUnavailable } from '../../src/db/unavailable';

const withProps = (message: string, props: Record<string, unknown>) => Object.assign(new Error(message), props);

describe('which database errors mean "unavailable, try again" (503) rather than a bug (500)', () => {
  it.each([
    ['connection refused', withProps('connect ECONNREFUSED 127.0.0.1:3306', { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' })],
    ['connection reset', withProps('read ECONNRESET', { code: 'ECONNRESET' })],
    ['connect timeout (mysql2)', withProps('connect ETIMEDOUT', { code: 'ETIMEDOUT', fatal: true })],
    ['connection lost (mysql2)', withProps('Connection lost: The server closed the connection.', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })],
    ['a command on a dead connection (mysql2)', withProps("Can't add new command when connection is in closed state", { fatal: true })],
    ['knex pool acquire timeout', new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.')],
    ['MariaDB max_statement_time', withProps('Query execution was interrupted (max_statement_time exceeded)', { errno: 1969, sqlState: '70100' })],
    ['MySQL max_execution_time', withProps('Query execution was interrupted, maximum statement execution time exceeded', { code: 'ER_QUERY_TIMEOUT', errno: 3024, sqlState: 'HY000' })],
    ['InnoDB lock wait timeout', withProps('Lock wait timeout exceeded', { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205, sqlState: 'HY000' })],
    ['too many connections', withProps('Too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040, sqlState: '08004' })],
    ['SQLite busy after the busy timeout', withProps('database is locked', { code: 'SQLITE_BUSY' })],
    ['SQLite busy snapshot', withProps('database is locked', { code: 'SQLITE_BUSY_SNAPSHOT' })],
    ['wrapped in a cause', new Error('could not load the user', { cause: withProps('read ECONNRESET', { code: 'ECONNRESET' }) })],
    ['every address refused', Object.assign(new AggregateError([withProps('connect ECONNREFUSED ::1:3306', { code: 'ECONNREFUSED' })]), {})],
  ])('%s is unavailable', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a duplicate key', withProps("Duplicate entry 'a' for key 'users_email_unique'", { code: 'ER_DUP_ENTRY', errno: 1062, sqlState: '23000' })],
    ['a SQL syntax error', withProps('You have an error in your SQL syntax', { code: 'ER_PARSE_ERROR', errno: 1064, sqlState: '42000' })],
    ['a missing table', withProps("Table 'x' doesn't exist", { code: 'ER_NO_SUCH_TABLE', errno: 1146, sqlState: '42S02' })],
    ['a SQLite constraint', withProps('UNIQUE constraint failed: users.email', { code: 'SQLITE_CONSTRAINT_UNIQUE' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a Node errno number alone', withProps('something', { errno: 1205 })],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s is not', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
