import type { Client } from '@temporalio/client';
import type { JobRegistry } from '../registry';
import type { confirmStart, DeadlineHost, withDeadline } from './deadline';

/** What the gateway's parts share: the client, deadlines, error translation and the registered job types. */
export interface GatewayContext extends DeadlineHost {
  client: Client;
  registry: JobRegistry;
  withDeadline: typeof withDeadline;
  confirmStart: typeof confirmStart;
}
