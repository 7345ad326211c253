import type { Repositories } from '../db/repositories';
import type { TaskQueueName } from '../jobs/contract';
import { jobRegistry } from '../jobs/registry';
import { recordAdminAction } from './audit-trail';

/** Pause, resume and graceful restart are records the queue's worker processes poll (about once a second). */
export function createQueuesService(repos: Repositories) {
  async function state(queue: TaskQueueName) {
    const control = await repos.queueControls.get(queue);
    return {
      queue,
      paused: control.paused,
      restartGeneration: control.restartGeneration,
      restartRequestedAt: control.restartRequestedAt?.toISOString() ?? null,
    };
  }

  return {
    state,
    list: async () => ({ queues: await Promise.all(jobRegistry.queues.map(state)) }),

    async setPaused(queue: TaskQueueName, paused: boolean, userId: number) {
      await repos.queueControls.setPaused(queue, paused, userId);
      await recordAdminAction(repos, { userId, verb: paused ? 'queue_paused' : 'queue_resumed', subjectType: 'queue', subjectId: queue });
      return state(queue);
    },

    async restart(queues: TaskQueueName[], userId: number) {
      for (const queue of queues) {
        await repos.queueControls.requestRestart(queue, userId);
        await recordAdminAction(repos, { userId, verb: 'queue_restart_requested', subjectType: 'queue', subjectId: queue });
      }
      return { queues: await Promise.all(queues.map(state)) };
    },
  };
}
