import type { Config } from '../config';
import type { Repositories } from '../db/repositories';
import { badRequest, Gone } from '../errors';
import type { Logger } from '../logger';
import { unsubscribeSecret, verifyUnsubscribeToken } from './unsubscribe-links';

interface Deps {
  config: Pick<Config, 'dataDir'> & { mail: Pick<Config['mail'], 'unsubscribeSecret'> };
  repos: Repositories;
  logger: Logger;
}

/** One-click unsubscribe: a signed, expiring link names the user; following it turns that user's e-mails off. */
export function createUnsubscribeService({ config, repos, logger }: Deps) {
  /** The user a link names; a tampered link is invalid input, an expired one is gone. */
  function userOf(token: string): number {
    const check = verifyUnsubscribeToken(unsubscribeSecret(config), token);
    if (check.ok) return check.userId;
    if (check.reason === 'expired') {
      throw new Gone('link_expired', 'This unsubscribe link has expired; turn notifications off in your profile', [{ field: 'token', message: 'has expired' }]);
    }
    throw badRequest('Invalid unsubscribe link', [{ field: 'token', message: 'is not a valid unsubscribe link' }]);
  }

  return {
    /** Checks the link without changing anything (what the confirmation page shows). */
    check(token: string): void {
      userOf(token);
    },
    async unsubscribe(token: string): Promise<void> {
      const userId = userOf(token);
      await repos.users.turnNotificationsOff(userId);
      logger.info({ userId }, 'notifications turned off through an unsubscribe link');
    },
  };
}
