import type { JsonObject } from '../storage/ports.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { resourceTypeById, resourceTypes, schemaById, schemas, serviceProviderConfig } from './discovery.ts';
import { notFound, ScimError } from './errors.ts';
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from './groups.ts';
import { parseListParams } from './list.ts';
import { isObject } from './normalise.ts';
import { GROUP_RESOURCE, USER_RESOURCE } from './schema.ts';
import { createUser, deleteUser, getUser, listBody, listUsers, patchUser, replaceUser } from './users.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Call {
  readonly svc: ScimServices;
  readonly scope: ScimScope;
  readonly params: Readonly<Record<string, string>>;
  readonly input: ScimInput;
  /** Largest accepted body in bytes (advertised as bulk.maxPayloadSize). */
  readonly maxPayloadSize: number;
}

export interface Route {
  readonly method: Method;
  /** Express-style pattern relative to `/scim/v2/{slug}`. */
  readonly path: string;
  readonly handle: (call: Call) => Promise<ScimResult>;
}

const ok = (body: JsonObject): ScimResult => ({ status: 200, body });
const id = (call: Call): string => call.params.id ?? '';

/** POST …/.search: the SearchRequest body carries the list parameters (RFC 7644 §3.4.3). */
function searchInput(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', 'the body must be a SearchRequest object');
  return body;
}

/** POST /.search at the root: Users then Groups, paged as one list. */
async function searchAll(call: Call): Promise<ScimResult> {
  const input = searchInput(call.input.body);
  const { query, startIndex } = parseListParams(USER_RESOURCE, input);
  parseListParams(GROUP_RESOURCE, input); // the filter must make sense for both
  const users = await listUsers(call.svc, call.scope, input);
  const userTotal = Number(users.body?.totalResults ?? 0);
  const taken = (users.body?.Resources as JsonObject[] | undefined) ?? [];
  const groupOffset = Math.max(0, query.offset - userTotal);
  const groups = await listGroups(call.svc, call.scope, {
    ...input,
    startIndex: groupOffset + 1,
    count: query.limit - taken.length,
  });
  const groupResources = (groups.body?.Resources as JsonObject[] | undefined) ?? [];
  return ok(
    listBody(userTotal + Number(groups.body?.totalResults ?? 0), startIndex, [...taken, ...groupResources]),
  );
}

/** Every SCIM endpoint; the router mounts them and /Bulk dispatches through them. */
export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/ServiceProviderConfig',
    handle: async (c) => ok(serviceProviderConfig(c.scope.baseUrl, c.maxPayloadSize)),
  },
  { method: 'GET', path: '/ResourceTypes', handle: async (c) => ok(resourceTypes(c.scope.baseUrl)) },
  {
    method: 'GET',
    path: '/ResourceTypes/:id',
    handle: async (c) => ok(resourceTypeById(c.scope.baseUrl, id(c))),
  },
  { method: 'GET', path: '/Schemas', handle: async (c) => ok(schemas(c.scope.baseUrl)) },
  { method: 'GET', path: '/Schemas/:id', handle: async (c) => ok(schemaById(c.scope.baseUrl, id(c))) },
  { method: 'POST', path: '/.search', handle: searchAll },
  { method: 'GET', path: '/Users', handle: (c) => listUsers(c.svc, c.scope, c.input.query) },
  {
    method: 'POST',
    path: '/Users/.search',
    handle: (c) => listUsers(c.svc, c.scope, searchInput(c.input.body)),
  },
  { method: 'POST', path: '/Users', handle: (c) => createUser(c.svc, c.scope, c.input) },
  { method: 'GET', path: '/Users/:id', handle: (c) => getUser(c.svc, c.scope, id(c), c.input) },
  { method: 'PUT', path: '/Users/:id', handle: (c) => replaceUser(c.svc, c.scope, id(c), c.input) },
  { method: 'PATCH', path: '/Users/:id', handle: (c) => patchUser(c.svc, c.scope, id(c), c.input) },
  { method: 'DELETE', path: '/Users/:id', handle: (c) => deleteUser(c.svc, c.scope, id(c), c.input) },
  { method: 'GET', path: '/Groups', handle: (c) => listGroups(c.svc, c.scope, c.input.query) },
  {
    method: 'POST',
    path: '/Groups/.search',
    handle: (c) => listGroups(c.svc, c.scope, searchInput(c.input.body)),
  },
  { method: 'POST', path: '/Groups', handle: (c) => createGroup(c.svc, c.scope, c.input) },
  { method: 'GET', path: '/Groups/:id', handle: (c) => getGroup(c.svc, c.scope, id(c), c.input) },
  { method: 'PUT', path: '/Groups/:id', handle: (c) => replaceGroup(c.svc, c.scope, id(c), c.input) },
  { method: 'PATCH', path: '/Groups/:id', handle: (c) => patchGroup(c.svc, c.scope, id(c), c.input) },
  { method: 'DELETE', path: '/Groups/:id', handle: (c) => deleteGroup(c.svc, c.scope, id(c), c.input) },
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
 * `:name` segments are percent-decoded into `params`. No match → SCIM 404.
 */
export function routeMatcher(routes: readonly Route[]): (method: string, path: string) => RouteMatch {
  type Segment = { readonly param: string } | { readonly literal: string };
  const compiled = routes.map((route) => ({
    route,
    pattern: route.path
      .split('/')
      .filter(Boolean)
      .map((p): Segment => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p.toLowerCase() })),
  }));
  return (method, path) => {
    const wanted = method.toUpperCase();
    const segments = (path.split('?')[0] ?? '').split('/').filter(Boolean);
    for (const { route, pattern } of compiled) {
      if (route.method !== wanted || pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matched = pattern.every((p, i) => {
        const segment = segments[i] ?? '';
        if ('param' in p) {
          params[p.param] = decodeSegment(segment);
          return true;
        }
        return p.literal === segment.toLowerCase();
      });
      if (matched) return { route, params };
    }
    throw notFound(`no SCIM endpoint ${method} ${path}`);
  };
}

/** Finds the route for a Bulk operation's method and path (`/Users/{id}`), with its params. */
export const matchRoute = routeMatcher(ROUTES);
