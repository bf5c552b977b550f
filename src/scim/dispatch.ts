import type { JsonObject } from '../storage/ports.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { resourceTypeById, resourceTypes, schemaById, schemas, serviceProviderConfig } from './discovery.ts';
import { MethodNotAllowed, notFound, ScimError } from './errors.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups.ts';
import { searchAll, searchInput } from './search.ts';
import { createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from './users.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Call {
  readonly svc: ScimServices;
  readonly scope: ScimScope;
  readonly params: Readonly<Record<string, string>>;
  readonly input: ScimInput;
  /** Largest accepted body in bytes (advertised as bulk.maxPayloadSize). */
  readonly maxPayloadSize: number;
}

/** What a SCIM request does, for metrics: a closed set, never a path or an id. */
export type ScimOperation =
  | 'service_provider_config.get'
  | 'resource_types.list'
  | 'resource_types.get'
  | 'schemas.list'
  | 'schemas.get'
  | 'search'
  | `${'users' | 'groups'}.${'list' | 'search' | 'create' | 'get' | 'replace' | 'patch' | 'delete'}`
  | 'bulk';

export interface Route {
  readonly method: Method;
  readonly operation: ScimOperation;
  /** Express-style pattern relative to `/scim/v2/{slug}`. */
  readonly path: string;
  readonly handle: (call: Call) => Promise<ScimResult>;
}

const ok = (body: JsonObject): ScimResult => ({ status: 200, body });
const id = (call: Call): string => call.params.id ?? '';

/** Every SCIM endpoint; the router mounts them and /Bulk dispatches through them. */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    operation: 'service_provider_config.get',
    path: '/ServiceProviderConfig',
    handle: async (c) => ok(serviceProviderConfig(c.scope.baseUrl, c.maxPayloadSize)),
  },
  {
    method: 'GET',
    operation: 'resource_types.list',
    path: '/ResourceTypes',
    handle: async (c) => ok(resourceTypes(c.scope.baseUrl)),
  },
  {
    method: 'GET',
    operation: 'resource_types.get',
    path: '/ResourceTypes/:id',
    handle: async (c) => ok(resourceTypeById(c.scope.baseUrl, id(c))),
  },
  {
    method: 'GET',
    operation: 'schemas.list',
    path: '/Schemas',
    handle: async (c) => ok(schemas(c.scope.baseUrl)),
  },
  {
    method: 'GET',
    operation: 'schemas.get',
    path: '/Schemas/:id',
    handle: async (c) => ok(schemaById(c.scope.baseUrl, id(c))),
  },
  { method: 'POST', operation: 'search', path: '/.search', handle: searchAll },
  {
    method: 'GET',
    operation: 'users.list',
    path: '/Users',
    handle: (c) => listUsers(c.svc, c.scope, c.input.query),
  },
  {
    method: 'POST',
    operation: 'users.search',
    path: '/Users/.search',
    handle: (c) => listUsers(c.svc, c.scope, searchInput(c.input.body)),
  },
  {
    method: 'POST',
    operation: 'users.create',
    path: '/Users',
    handle: (c) => createUser(c.svc, c.scope, c.input),
  },
  {
    method: 'GET',
    operation: 'users.get',
    path: '/Users/:id',
    handle: (c) => getUser(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'PUT',
    operation: 'users.replace',
    path: '/Users/:id',
    handle: (c) => replaceUser(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'PATCH',
    operation: 'users.patch',
    path: '/Users/:id',
    handle: (c) => patchUser(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'DELETE',
    operation: 'users.delete',
    path: '/Users/:id',
    handle: (c) => deleteUser(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'GET',
    operation: 'groups.list',
    path: '/Groups',
    handle: (c) => listGroups(c.svc, c.scope, c.input.query),
  },
  {
    method: 'POST',
    operation: 'groups.search',
    path: '/Groups/.search',
    handle: (c) => listGroups(c.svc, c.scope, searchInput(c.input.body)),
  },
  {
    method: 'POST',
    operation: 'groups.create',
    path: '/Groups',
    handle: (c) => createGroup(c.svc, c.scope, c.input),
  },
  {
    method: 'GET',
    operation: 'groups.get',
    path: '/Groups/:id',
    handle: (c) => getGroup(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'PUT',
    operation: 'groups.replace',
    path: '/Groups/:id',
    handle: (c) => replaceGroup(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'PATCH',
    operation: 'groups.patch',
    path: '/Groups/:id',
    handle: (c) => patchGroup(c.svc, c.scope, id(c), c.input),
  },
  {
    method: 'DELETE',
    operation: 'groups.delete',
    path: '/Groups/:id',
    handle: (c) => deleteGroup(c.svc, c.scope, id(c), c.input),
  },
];

export type RouteMatch = { readonly route: Route; readonly params: Record<string, string> };

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ScimError(400, undefined, 'malformed percent-encoding in the path');
  }
}

/**
 * A matcher over `routes` for paths relative to `/scim/v2/{slug}` (a query is ignored). Literal
 * segments match case-insensitively and a trailing slash is ignored, as Express routing did;
 * `:name` segments are percent-decoded into `params`. No match → SCIM 404; a path that exists
 * for other methods → 405 with those methods (RFC 9110 §15.5.6). A literal segment wins over a
 * parameter: `/Users/.search` is the search endpoint (RFC 7644 §3.4.3), never the User with id
 * `.search`, so `GET /Users/.search` is a 405 allowing POST.
 */
export function routeMatcher(routes: readonly Route[]): (method: string, path: string) => RouteMatch {
  const patterns = routes.map((route) => compile(route.path));
  const compiled = routes.map((route, i) => {
    const pattern = patterns[i] ?? [];
    // The more specific patterns that take a path from this one (few: `/Users/.search` for `/Users/:id`).
    const shadowing = patterns.filter((other) => shadowsPattern(other, pattern));
    const shadows = [...new Map(shadowing.map((p) => [patternKey(p), p])).values()];
    return { route, pattern, shadows };
  });
  const matches = (entry: (typeof compiled)[number], segments: readonly string[], decode: boolean) => {
    if (entry.pattern.length !== segments.length) return undefined;
    const params = paramsIfMatched(entry.pattern, segments, decode);
    if (!params || entry.shadows.some((s) => paramsIfMatched(s, segments, false))) return undefined;
    return params;
  };
  return (method, path) => {
    const wanted = method.toUpperCase();
    const segments = (path.split('?')[0] ?? '').split('/').filter(Boolean);
    for (const entry of compiled) {
      if (entry.route.method !== wanted) continue;
      const params = matches(entry, segments, true);
      if (params) return { route: entry.route, params };
    }
    // Only on a miss: which methods the path has (the hot path never gets here).
    const allowed = new Set<string>();
    for (const entry of compiled) if (matches(entry, segments, false)) allowed.add(entry.route.method);
    if (allowed.size > 0) throw new MethodNotAllowed(method, path, allowedMethods(allowed));
    throw notFound(`no SCIM endpoint ${method} ${path}`);
  };
}

type Segment = { readonly param: string } | { readonly literal: string };

const patternKey = (p: readonly Segment[]): string =>
  p.map((s) => ('literal' in s ? s.literal : ':')).join('/');

/** `a` takes paths from `b`: same length, a literal wherever `b` has one (the same), and somewhere where `b` has a parameter. */
function shadowsPattern(a: readonly Segment[], b: readonly Segment[]): boolean {
  if (a.length !== b.length) return false;
  let stricter = false;
  for (const [i, sa] of a.entries()) {
    const sb = b[i];
    if (!sb) return false;
    if ('literal' in sb) {
      if (!('literal' in sa) || sa.literal !== sb.literal) return false;
    } else if ('literal' in sa) stricter = true;
  }
  return stricter;
}

function compile(path: string): Segment[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((p): Segment => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p.toLowerCase() }));
}

/** The params when `segments` match `pattern` (decoded only for the route that will run). */
function paramsIfMatched(
  pattern: readonly Segment[],
  segments: readonly string[],
  decode: boolean,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const matched = pattern.every((p, i) => {
    const segment = segments[i] ?? '';
    if ('param' in p) {
      if (decode) params[p.param] = decodeSegment(segment);
      return true;
    }
    return p.literal === segment.toLowerCase();
  });
  return matched ? params : undefined;
}

/** GET implies HEAD (http.ts answers HEAD as GET). */
function allowedMethods(methods: ReadonlySet<string>): string[] {
  const list = [...methods];
  if (methods.has('GET')) list.splice(list.indexOf('GET') + 1, 0, 'HEAD');
  return list;
}

/** Finds the route for a Bulk operation's method and path (`/Users/{id}`), with its params. */
export const matchRoute = routeMatcher(ROUTES);
