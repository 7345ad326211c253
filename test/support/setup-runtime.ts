import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

// many tests fail activities on purpose: keep the SDK's warnings about them out of the output
Runtime.install({ logger: new DefaultLogger((process.env.TEST_TEMPORAL_LOG_LEVEL as LogLevel | undefined) ?? 'ERROR') });
