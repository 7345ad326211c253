// Logs one line through the production logger (JSON to stdout), then ends as argv[2] says: for logger-stdout.test.ts.
import { createLogger } from '../../src/logger';

const how = process.argv[2];
const logger = createLogger('info', { component: 'log-then' });
logger.info({ how }, 'the last line before the end');
if (how === 'crash') {
  setImmediate(() => {
    throw new Error('crashed on purpose');
  });
} else if (how === 'exit') {
  process.exit(3);
} else {
  // idle: nothing else is ever logged; the test reads the line, then stops the process
  setInterval(() => undefined, 60_000);
}
