import type { RequestHandler } from 'express';
import { openApiPath, type RouteDoc } from '../openapi/route-doc';

/** A path the API serves, asked with a method it does not serve there: 405 with the Allow header. */
export class MethodNotAllowed extends Error {
  constructor(readonly allow: string[]) {
    super(`This path answers ${allow.join(', ')} only`);
  }
}

interface PathMethods {
  pattern: RegExp;
  params: number;
  methods: Set<string>;
}

/**
 * The methods the documented path of a request serves. As in OpenAPI, a literal segment wins over a parameter:
 * `/api/admin/failed-jobs/retry` is the POST-only path, not an `{id}`. Matched like Express by default:
 * case-insensitive, an optional trailing slash.
 */
function methodsByPath(docs: RouteDoc[]): (path: string) => string[] | undefined {
  const byTemplate = new Map<string, PathMethods>();
  for (const doc of docs) {
    const template = openApiPath(doc.path);
    let entry = byTemplate.get(template);
    if (!entry) {
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+');
      entry = { pattern: new RegExp(`^${source}/?$`, 'i'), params: (template.match(/\{/g) ?? []).length, methods: new Set() };
      byTemplate.set(template, entry);
    }
    entry.methods.add(doc.method.toUpperCase());
    if (doc.method === 'get') entry.methods.add('HEAD');
  }
  const entries = [...byTemplate.values()].sort((a, b) => a.params - b.params);
  return (path) => {
    const matching = entries.filter((entry) => entry.pattern.test(path));
    if (matching.length === 0) return undefined;
    const fewest = matching[0].params;
    return [...new Set(matching.filter((entry) => entry.params === fewest).flatMap((entry) => [...entry.methods]))].sort();
  };
}

/** OPTIONS on a documented path: 204 with exactly its methods in Allow (Express's own answer would add every overlapping route's). */
export function answerOptions(docs: RouteDoc[]): RequestHandler {
  const allowedFor = methodsByPath(docs);
  return (req, res, next) => {
    const allowed = req.method === 'OPTIONS' ? allowedFor(req.baseUrl + req.path) : undefined;
    if (!allowed) return next();
    res.setHeader('Allow', allowed.join(', '));
    res.status(204).end();
  };
}

/**
 * After the routers: a request no route answered, on a documented path, with a method that path does not serve,
 * is 405 with Allow instead of the 404 of an unknown path. Auth ran first, so it reveals nothing to a stranger.
 */
export function methodNotAllowed(docs: RouteDoc[]): RequestHandler {
  const allowedFor = methodsByPath(docs);
  return (req, _res, next) => {
    const allowed = allowedFor(req.baseUrl + req.path);
    if (!allowed || allowed.includes(req.method)) return next();
    next(new MethodNotAllowed(allowed));
  };
}

/**
 * For a router whose literal path overlaps a parameter path (`/failed-jobs/retry` beside `/failed-jobs/:id`): a
 * method the literal path does not serve is 405 there, instead of reaching the parameter route (`GET /retry` as an
 * id). Mount it after the router's auth, before its routes.
 */
export function literalPathsFirst(docs: RouteDoc[]): RequestHandler {
  const allowedFor = methodsByPath(docs);
  return (req, _res, next) => {
    const allowed = allowedFor(req.baseUrl + req.path);
    if (!allowed || allowed.includes(req.method) || req.method === 'OPTIONS') return next();
    next(new MethodNotAllowed(allowed));
  };
}
