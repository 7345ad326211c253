import path from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { openApiDocument } from '../openapi/document';
import { routeDocs } from '../openapi/route-doc';

/** Swagger UI from the project's own dependencies: the reference works offline, with no CDN. */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The page holds no inline script (helmet's CSP forbids it): init.js, served below, starts the renderer. */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>API reference · Help desk background jobs</title>
    <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/api/docs/init.js"></script>
  </body>
</html>
`;

const DOCS_INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    // no call to validator.swagger.io: the reference works offline
    validatorUrl: null,
  });
});
`;

/** An OpenAPI 3.1 document: a JSON object whose every key the generator decides. */
const openApiDocumentSchema = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.unknown()) }).passthrough();

export const openApiRouteDocs = routeDocs([
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document: the OpenAPI 3.1 contract of every route, generated from the validation schemas',
    description: 'The interactive reference rendered from it is at /api/docs.',
    tag: 'Reference',
    access: 'public',
    noDependencies: true,
    responses: { 200: { description: 'The OpenAPI 3.1 document', schema: openApiDocumentSchema } },
  },
]);

/** GET /api/openapi.json (the contract) and GET /api/docs (the interactive reference rendered from it). */
export function createOpenApiRouter(): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  router.get('/api/docs', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').send(DOCS_INIT);
  });
  router.use('/api/docs/assets', express.static(SWAGGER_UI_DIR, { index: false, fallthrough: true }));
  return router;
}
