import path from 'node:path';
import express, { Router } from 'express';

/** Browser libraries served from the project's own node_modules (no CDN): uPlot for the Jobs page charts. */
export function createVendorAssetsRouter(): Router {
  const router = Router();
  const uplot = path.dirname(require.resolve('uplot/dist/uPlot.esm.js'));
  router.use('/assets/vendor/uplot', express.static(uplot, { index: false, maxAge: '1d' }));
  return router;
}
