import type { JsonObject } from '../storage/ports.ts';
import type { ScimResult } from './core.ts';
import type { Call } from './dispatch.ts';
import { badRequest } from './errors.ts';
import { groupPage } from './groups.ts';
import { parseListParams } from './list.ts';
import type { ListInput, ListParams } from './list.ts';
import { isObject } from './normalise.ts';
import { GROUP_RESOURCE, USER_RESOURCE } from './schema.ts';
import { listBody, userPage } from './users.ts';

/** POST …/.search: the SearchRequest body carries the list parameters (RFC 7644 §3.4.3). */
export function searchInput(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the body must be a SearchRequest object');
  return body;
}

/**
 * The list parameters for Users and for Groups. RFC 7644 §3.4.2: across resource types, an
 * attribute one type lacks has no value there (`userName pr` matches Users only); an attribute
 * that no type has is still an `invalidFilter`.
 */
function paramsPerType(input: ListInput): { users: ListParams; groups: ListParams } {
  const lackedByUsers = new Set<string>();
  const lackedByGroups = new Set<string>();
  const users = parseListParams(USER_RESOURCE, input, lackedByUsers);
  const groups = parseListParams(GROUP_RESOURCE, input, lackedByGroups);
  for (const name of lackedByUsers)
    if (lackedByGroups.has(name)) throw badRequest('invalidFilter', `unknown attribute "${name}"`);
  return { users, groups };
}

/**
 * POST /.search at the service root (RFC 7644 §3.4.3): Users then Groups, paged as one list.
 * Each resource carries its own `schemas` and `meta.resourceType`.
 */
export async function searchAll(call: Call): Promise<ScimResult> {
  const { users, groups } = paramsPerType(searchInput(call.input.body));
  const { offset, limit } = users.query;
  const userResults = await userPage(call.svc, call.scope, users);
  // The Groups' part of the window starts where the Users' ends.
  const groupQuery = {
    ...groups.query,
    offset: Math.max(0, offset - userResults.total),
    limit: limit - userResults.resources.length,
  };
  const groupResults = await groupPage(call.svc, call.scope, { ...groups, query: groupQuery });
  const resources: JsonObject[] = [...userResults.resources, ...groupResults.resources];
  return {
    status: 200,
    body: listBody(userResults.total + groupResults.total, users.startIndex, resources),
  };
}
