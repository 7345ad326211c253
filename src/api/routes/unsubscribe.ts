import express, { Router } from 'express';
import escapeHtml from 'escape-html';
import { z } from 'zod';
import { unsubscribeSecret, verifyUnsubscribeToken } from '../../notifications/unsubscribe-links';
import type { AppDeps } from '../deps';
import { AppError, badRequest } from '../errors';
import { asyncHandler } from '../middleware/async-handler';
import { validate } from '../middleware/validate';

const tokenParams = z.object({ token: z.string().min(1).max(200) });

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title></head><body style="font-family:Helvetica,Arial,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#111827">
<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1>${body}</body></html>`;
}

/**
 * One-click unsubscribe (RFC 8058) without sign-in: the signed, expiring link of every notification mail.
 * POST turns the user's notifications off (what mail clients send for List-Unsubscribe-Post, and what the
 * confirmation page's button sends). GET only shows that page: mail scanners and link previews follow GET links,
 * and must not unsubscribe anybody (RFC 8058, section 1).
 */
export function createUnsubscribeRouter(deps: Pick<AppDeps, 'config' | 'db' | 'logger'>): Router {
  const router = Router();

  function userOf(token: string): number {
    const check = verifyUnsubscribeToken(unsubscribeSecret(deps.config), token);
    if (check.ok) return check.userId;
    if (check.reason === 'expired') {
      throw new AppError(410, 'link_expired', 'This unsubscribe link has expired; turn notifications off in your profile', [
        { field: 'token', message: 'has expired' },
      ]);
    }
    throw badRequest('Invalid unsubscribe link', [{ field: 'token', message: 'is not a valid unsubscribe link' }]);
  }

  router.get(
    '/unsubscribe/:token',
    validate({ params: tokenParams }),
    asyncHandler(async (req, res) => {
      const { token } = req.params as z.infer<typeof tokenParams>;
      userOf(token);
      res
        .type('html')
        .send(
          page(
            'Turn off e-mail notifications?',
            `<p>You will no longer receive e-mails about tickets. You can turn them on again in your profile.</p>
<form method="post" action="${escapeHtml(token)}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`,
          ),
        );
    }),
  );

  router.post(
    '/unsubscribe/:token',
    express.urlencoded({ extended: false, limit: '1kb' }),
    validate({ params: tokenParams }),
    asyncHandler(async (req, res) => {
      const { token } = req.params as z.infer<typeof tokenParams>;
      const userId = userOf(token);
      // idempotent: a second click, or a user that no longer exists, changes nothing
      await deps.db('users').where({ id: userId }).update({ notifications_enabled: false });
      deps.logger.info({ userId }, 'notifications turned off through an unsubscribe link');
      if (req.accepts(['html', 'json']) === 'json') {
        res.json({ unsubscribed: true });
        return;
      }
      res.type('html').send(page('You are unsubscribed', '<p>You will no longer receive e-mails about tickets. You can turn them on again in your profile.</p>'));
    }),
  );

  return router;
}
