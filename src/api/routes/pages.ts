import path from 'node:path';
import express, { Router } from 'express';

/** The browser pages: hand-written ES modules and CSS beside their HTML, no build step. */
export const PUBLIC_DIR = path.resolve(__dirname, '..', 'public');

const PAGES: Record<string, string> = {
  '/': 'reports.html',
  '/reports': 'reports.html',
  '/admin/jobs': 'admin-jobs.html',
};

export function createPagesRouter(): Router {
  const router = Router();
  for (const [route, file] of Object.entries(PAGES)) {
    router.get(route, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(PUBLIC_DIR, file));
    });
  }
  router.use('/assets', express.static(PUBLIC_DIR, { index: false, fallthrough: true, maxAge: 0 }));
  return router;
}
