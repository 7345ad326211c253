import express, { Router } from 'express';
import escapeHtml from 'escape-html';
import { z } from 'zod';
import { textOfLength } from '../strict-values';
import type { AppDeps } from '../deps';
import { validated } from '../middleware/validate';

const tokenParams = z.object({ token: textOfLength(1, 200) });

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
export function createUnsubscribeRouter(deps: Pick<AppDeps, 'services'>): Router {
  const { unsubscribe } = deps.services;
  const router = Router();

  router.get(
    '/unsubscribe/:token',
    validated({ params: tokenParams }, async ({ params }, _req, res) => {
      unsubscribe.check(params.token);
      res
        .type('html')
        .send(
          page(
            'Turn off e-mail notifications?',
            `<p>You will no longer receive e-mails about tickets. You can turn them on again in your profile.</p>
<form method="post" action="${escapeHtml(params.token)}"><button type="submit" style="font-size:1rem;padding:.5rem 1rem">Unsubscribe</button></form>`,
          ),
        );
    }),
  );

  router.post(
    '/unsubscribe/:token',
    express.urlencoded({ extended: false, limit: '1kb' }),
    validated({ params: tokenParams }, async ({ params }, req, res) => {
      // idempotent: a second click, or a user that no longer exists, changes nothing
      await unsubscribe.unsubscribe(params.token);
      if (req.accepts(['html', 'json']) === 'json') {
        res.json({ unsubscribed: true });
        return;
      }
      res.type('html').send(page('You are unsubscribed', '<p>You will no longer receive e-mails about tickets. You can turn them on again in your profile.</p>'));
    }),
  );

  return router;
}
