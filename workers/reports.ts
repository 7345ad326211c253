import { TASK_QUEUES } from '../src/jobs/contract';
import { startWorkerProcess } from './run-queue-worker';

startWorkerProcess(TASK_QUEUES.reports);
