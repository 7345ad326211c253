import type { Express } from 'express';

export interface RouteSpec {
  /** upper case: GET, POST, … */
  method: string;
  /** the Express path, `:name` parameters and all */
  path: string;
}

/** Every route in the app's router stack (routers nested in routers included), so a route added later is found on its own. */
export function enumerateRoutes(app: Express): RouteSpec[] {
  const routes: RouteSpec[] = [];
  interface Layer {
    route?: { path: string | string[]; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths)
          for (const method of Object.keys(layer.route.methods)) if (method !== '_all') routes.push({ method: method.toUpperCase(), path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack);
  return routes;
}
