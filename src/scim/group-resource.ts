import type { TeamDraft } from '../directory/teams.ts';
import type { JsonObject, Member, Team } from '../storage/ports.ts';
import { etagOf } from './core.ts';
import { badRequest } from './errors.ts';
import { assignAttributes, CORE_GROUP, extensionsOf } from './schema.ts';

/** A team as a SCIM Group (RFC 7643 §4.2); `members` only when loaded. */
export function toScimGroup(team: Team, members: readonly Member[] | undefined, baseUrl: string): JsonObject {
  const extensions = extensionsOf(team.attributes);
  const group: JsonObject = { schemas: [CORE_GROUP, ...extensions], id: team.id };
  if (team.externalId !== null) group.externalId = team.externalId;
  group.displayName = team.displayName;
  assignAttributes(group, team.attributes);
  if (members)
    group.members = members.map((m) => {
      const member: JsonObject = {
        value: m.accountId,
        $ref: `${baseUrl}/Users/${m.accountId}`,
        type: 'User',
      };
      if (m.display !== null) member.display = m.display;
      return member;
    });
  group.meta = {
    resourceType: 'Group',
    created: team.createdAt,
    lastModified: team.updatedAt,
    location: `${baseUrl}/Groups/${team.id}`,
    version: etagOf(team.version),
  };
  return group;
}

/** The mutable attributes of a Group (members excluded: they are separate records). */
export function teamView(team: Team): JsonObject {
  const extensions = extensionsOf(team.attributes);
  const view: JsonObject = { schemas: [CORE_GROUP, ...extensions], displayName: team.displayName };
  if (team.externalId !== null) view.externalId = team.externalId;
  return { ...view, ...team.attributes };
}

export function teamDraft(group: JsonObject): TeamDraft {
  const displayName = group.displayName;
  if (typeof displayName !== 'string' || displayName.trim() === '')
    throw badRequest('invalidValue', '"displayName" is required');
  const attributes: JsonObject = {};
  for (const [key, value] of Object.entries(group))
    if (!['displayName', 'externalId', 'members', 'id'].includes(key)) attributes[key] = value;
  return {
    displayName,
    externalId: typeof group.externalId === 'string' ? group.externalId : null,
    attributes,
  };
}

/** Member ids from a `members` value: `[{value, $ref?, display?}]` (a single object is tolerated). */
export function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((m) => {
    const id = typeof m === 'object' && m !== null ? (m as { value?: unknown }).value : undefined;
    if (typeof id !== 'string' || id === '')
      throw badRequest('invalidValue', 'each member needs a string "value"');
    return id;
  });
}
