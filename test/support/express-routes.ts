import type { Router } from 'express';

export interface RouteEntry {
  readonly method: string;
  /** The full path template, e.g. `/tenants/:slug/scim-tokens/:id`. */
  readonly path: string;
}

interface LayerLike {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Readonly<Record<string, boolean>> };
  readonly handle?: { readonly stack?: readonly LayerLike[] };
}

const join = (prefix: string, path: string): string =>
  `${prefix}${path === '/' ? '' : path}`.replace(/\/+/g, '/') || '/';

/**
 * Every route of an Express router, nested routers included, read from the router's own stack:
 * a route added to a router appears here without being listed anywhere by hand.
 */
export function routesOf(router: Router, prefix = ''): RouteEntry[] {
  const stack = (router as unknown as { stack: readonly LayerLike[] }).stack;
  return walk(stack, prefix);
}

function walk(stack: readonly LayerLike[], prefix: string): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const layer of stack) {
    if (layer.route && typeof layer.route.path === 'string') {
      const path = join(prefix, layer.route.path);
      for (const [method, on] of Object.entries(layer.route.methods))
        if (on && method !== '_all') out.push({ method: method.toUpperCase(), path });
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
      out.push(...walk(layer.handle.stack, join(prefix, mount)));
    }
  }
  return out;
}
