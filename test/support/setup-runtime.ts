import { DefaultLogger, Runtime } from '@temporalio/worker';

// keep worker chatter out of test output; warnings and errors still show
Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
