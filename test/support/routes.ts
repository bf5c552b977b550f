/**
 * The routes an Express app or router declares, read from its stack: layers with a `route` are
 * endpoints, layers whose handle has a `stack` are mounted routers (walked with their mount path
 * prepended), anything else is middleware. Generic on purpose, so that it keeps working however
 * the routers are split up.
 */
import express from 'express';

export interface DeclaredRoute {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Express path syntax, e.g. `/admin/tenants/:slug`. */
  readonly path: string;
}

interface LayerLike {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

const pathsOf = (raw: unknown): string[] =>
  (Array.isArray(raw) ? raw : [raw]).filter((p): p is string => typeof p === 'string');

function join(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

/** Every route under `stack`, with `prefix` prepended. */
export function declaredRoutes(stack: readonly LayerLike[], prefix = ''): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of pathsOf(layer.route.path)) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all')
            routes.push({ method: method.toUpperCase(), path: join(prefix, path) });
        }
      }
    } else if (layer.handle?.stack) {
      // `app.use(router)` without a path mounts at '/'.
      for (const mount of pathsOf(layer.rawPath ?? '/')) {
        routes.push(...declaredRoutes(layer.handle.stack, join(prefix, mount)));
      }
    }
  }
  return routes;
}

/**
 * Runs `build` and returns, with its result, every Express application it created (an app built
 * inside a factory that hands out only a request listener is reachable no other way).
 */
export async function capturingExpressApps<T>(
  build: () => Promise<T>,
): Promise<{ result: T; apps: express.Express[] }> {
  const apps: express.Express[] = [];
  const proto = express.application as { init: (this: express.Express) => void };
  const init = proto.init;
  proto.init = function (this: express.Express) {
    apps.push(this);
    init.call(this);
  };
  try {
    return { result: await build(), apps };
  } finally {
    proto.init = init;
  }
}

/** The routes of an Express router (nested routers included), with `prefix` prepended. */
export function routerRoutes(router: express.Router, prefix = ''): DeclaredRoute[] {
  return declaredRoutes((router as unknown as { stack: readonly LayerLike[] }).stack, prefix);
}

/** The routes of an Express application. */
export function appRoutes(app: express.Express): DeclaredRoute[] {
  const router = (app as unknown as { router?: { stack: readonly LayerLike[] } }).router;
  return router ? declaredRoutes(router.stack) : [];
}

/** `/admin/tenants/:slug` → `/admin/tenants/{slug}` (OpenAPI path templating). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}');
}
