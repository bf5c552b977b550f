import type { Account, Team, TeamId } from '../storage/ports.ts';
import { storedJsonOf } from '../storage/stored-json.ts';
import { etagOf } from './core.ts';
import { CORE_USER, extensionsOf } from './schema.ts';
import { toScimUser } from './user-resource.ts';

const q = JSON.stringify;

/** A team as a User's `groups` value, encoded once per page (every member of a team shares it). */
type GroupValues = Map<TeamId, string>;

function groupValue(team: Team, baseUrl: string, cache: GroupValues): string {
  let json = cache.get(team.id);
  if (json === undefined) {
    json = `{"value":${q(team.id)},"$ref":${q(`${baseUrl}/Groups/${team.id}`)},"display":${q(team.displayName)},"type":"direct"}`;
    cache.set(team.id, json);
  }
  return json;
}

/**
 * `JSON.stringify(toScimUser(account, groups, baseUrl))`, the same text, built from the JSON the
 * store read the attributes from when it has it: a page of users is mostly their attributes,
 * and encoding them again cost more than reading them (tests hold the two to the same bytes).
 */
export function scimUserJson(
  account: Account,
  groups: readonly Team[],
  baseUrl: string,
  cache: GroupValues = new Map(),
): string {
  const extensions = extensionsOf(account.attributes);
  const stored = storedJsonOf(account.attributes);
  // An extension declared without attributes is stored as {} and not sent: the general path.
  if (stored === undefined || extensions.some((uri) => isEmpty(account.attributes[uri])))
    return q(toScimUser(account, groups, baseUrl));
  let out = `{"schemas":${q([CORE_USER, ...extensions])},"id":${q(account.id)}`;
  if (account.externalId !== null) out += `,"externalId":${q(account.externalId)}`;
  out += `,"userName":${q(account.userName)}`;
  if (account.displayName !== null) out += `,"displayName":${q(account.displayName)}`;
  out += `,"active":${account.active}`;
  if (stored.length > 2) out += `,${stored.slice(1, -1)}`;
  if (groups.length > 0) out += `,"groups":[${groups.map((t) => groupValue(t, baseUrl, cache)).join(',')}]`;
  const location = `${baseUrl}/Users/${account.id}`;
  out += `,"meta":{"resourceType":"User","created":${q(account.createdAt)},"lastModified":${q(account.updatedAt)},"location":${q(location)},"version":${q(etagOf(account.version))}}}`;
  return out;
}

function isEmpty(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
