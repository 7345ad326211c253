import express, { type Express, type Response } from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { AuthService } from '../auth/auth-service';
import type { Logger } from '../logger';
import { sessionTokenFrom } from './session-cookie';

const SIGN_IN_HINT =
  'Sign in to the help desk as a user with the view_horizon permission and open the Temporal UI from the Jobs page ' +
  '(POST /api/admin/temporal-ui/session sets the access cookie).';

function page(status: number, title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${status} ${title}</h1><p>${text}</p></body></html>`;
}

/** The UI's own read-only mode (TEMPORAL_DISABLE_WRITE_ACTIONS) also refuses every other method. */
const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * The Temporal UI outside development: a reverse proxy that lets through only holders of
 * view_horizon, identified by the short-lived cookie the API hands out, and only to read.
 */
export function createTemporalUiGateway(deps: { auth: AuthService; upstream: string; logger: Logger; trustProxy?: false | number | string[] }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  // the API's security headers on the gateway's own answers only: the proxied UI keeps the headers its server sends
  const securityHeaders = helmet();
  const refuse = (res: Response, status: number, title: string, text: string, headers: Record<string, string> = {}) =>
    securityHeaders(res.req, res, () => {
      res.status(status).set({ 'Cache-Control': 'no-store', ...headers }).type('html').send(page(status, title, text));
    });
  app.use((req, res, next) => {
    const token = sessionTokenFrom(req.headers.cookie);
    if (!token) {
      refuse(res, 401, 'Sign-in required', SIGN_IN_HINT);
      return;
    }
    // only the gateway's own session cookie: an API bearer token is refused here, as the cookie is refused by the API
    deps.auth.authenticate(token, 'temporal_ui').then(
      ({ user }) => {
        if (!user.permissions.includes('view_horizon')) {
          refuse(res, 403, 'Forbidden', 'Your role may not see the job monitoring console.');
          return;
        }
        if (!READ_METHODS.has(req.method)) {
          refuse(res, 405, 'Read only', 'Retries, cancels and queue actions go through the help desk, where they are checked and audited.', { Allow: 'GET, HEAD' });
          return;
        }
        next();
      },
      () => refuse(res, 401, 'Session expired', SIGN_IN_HINT),
    );
  });
  app.use(
    createProxyMiddleware({
      target: deps.upstream,
      changeOrigin: true,
      // no ws: the UI only polls over HTTP, and http-proxy-middleware's own 'upgrade' listener on the server would skip the check above
      ws: false,
      on: {
        error: (err, _req, res) => {
          deps.logger.warn({ err }, 'Temporal UI upstream unreachable');
          if ('writeHead' in res && !res.headersSent) res.writeHead(502, { 'content-type': 'text/html' }).end(page(502, 'Temporal UI unreachable', 'Try again shortly.'));
        },
      },
    }),
  );
  return app;
}
