import type { JsonObject, Member, Team, TeamId } from '../storage/ports.ts';
import { checkIfMatch, directoryScope, etagOf, notModified, withRetry } from './core.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { notFound, ScimError } from './errors.ts';
import { memberIds, teamDraft, teamView, toScimGroup } from './group-resource.ts';
import { splitGroupPatch } from './group-patch.ts';
import { parseListParams } from './list.ts';
import type { ListInput, ListParams } from './list.ts';
import { isObject, normaliseResource } from './normalise.ts';
import { applyAttributeOps, parsePatchBody, refuseNotUnderstood } from './patch.ts';
import { FULL, parseProjection, project, wants } from './projection.ts';
import type { Projection } from './projection.ts';
import { GROUP_RESOURCE } from './schema.ts';
import { changedAttributes } from './user-resource.ts';
import { listBody } from './users.ts';

async function load(svc: ScimServices, scope: ScimScope, id: string): Promise<Team> {
  const team = await svc.storage.teams.get(scope.tenant.id, id as TeamId);
  if (!team) throw notFound(`Group ${id} not found`);
  return team;
}

async function membersOf(
  svc: ScimServices,
  scope: ScimScope,
  team: Team,
  projection: Projection,
): Promise<readonly Member[] | undefined> {
  return wants(projection, 'members') ? svc.storage.memberships.members(scope.tenant.id, team.id) : undefined;
}

async function render(
  svc: ScimServices,
  scope: ScimScope,
  team: Team,
  status: number,
  projection = FULL,
): Promise<ScimResult> {
  const body = project(
    toScimGroup(team, await membersOf(svc, scope, team, projection), scope.baseUrl),
    projection,
  );
  return { status, body, etag: etagOf(team.version), location: `${scope.baseUrl}/Groups/${team.id}` };
}

export async function getGroup(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const team = await load(svc, scope, id);
  if (notModified(input, team.version)) return { status: 304, etag: etagOf(team.version) };
  const projection = parseProjection(GROUP_RESOURCE, input.query.attributes, input.query.excludedAttributes);
  return render(svc, scope, team, 200, projection);
}

export async function listGroups(svc: ScimServices, scope: ScimScope, input: ListInput): Promise<ScimResult> {
  const params = parseListParams(GROUP_RESOURCE, input);
  const { total, resources } = await groupPage(svc, scope, params);
  return { status: 200, body: listBody(total, params.startIndex, resources) };
}

/** One page of Groups as SCIM resources, with the total the filter matches. */
export async function groupPage(
  svc: ScimServices,
  scope: ScimScope,
  params: ListParams,
): Promise<{ total: number; resources: JsonObject[] }> {
  const page = await svc.storage.teams.list(scope.tenant.id, params.query);
  const resources: JsonObject[] = [];
  for (const team of page.items)
    resources.push(
      project(
        toScimGroup(team, await membersOf(svc, scope, team, params.projection), scope.baseUrl),
        params.projection,
      ),
    );
  return { total: page.total, resources };
}

function bodyMembers(body: unknown): string[] {
  if (!isObject(body)) return [];
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'members');
  return key ? memberIds(body[key]) : [];
}

export async function createGroup(
  svc: ScimServices,
  scope: ScimScope,
  input: ScimInput,
): Promise<ScimResult> {
  const draft = teamDraft(normaliseResource(GROUP_RESOURCE, input.body));
  const team = await svc.teams.create(directoryScope(scope), draft, bodyMembers(input.body));
  return render(svc, scope, team, 201);
}

/** PUT replaces attributes and the member list (RFC 7644 §3.5.1). */
export async function replaceGroup(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const given = isObject(input.body) ? input.body.id : undefined;
  if (given !== undefined && given !== id) throw new ScimError(400, 'mutability', '"id" cannot change');
  const next = normaliseResource(GROUP_RESOURCE, input.body);
  const draft = teamDraft(next);
  const members = [{ op: 'replace' as const, accountIds: bodyMembers(input.body) }];
  const saved = await withRetry(input, async () => {
    const current = await load(svc, scope, id);
    checkIfMatch(input, current.version);
    const { members: _m, ...attributes } = next;
    return svc.teams.change(
      directoryScope(scope),
      current,
      draft,
      changedAttributes(teamView(current), attributes),
      members,
    );
  });
  return render(svc, scope, saved, 200);
}

/**
 * PATCH answers 204 (RFC 7644 §3.5.2): a 50,000-member group is not sent back for a one-member
 * change, unless `attributes`/`excludedAttributes` ask for the resource ("MUST return a 200 OK").
 */
export async function patchGroup(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const { attributeOps, memberChanges } = splitGroupPatch(parsePatchBody(input.body));
  const { attributes, excludedAttributes } = input.query;
  const projection = parseProjection(GROUP_RESOURCE, attributes, excludedAttributes);
  const saved = await withRetry(input, async () => {
    const current = await load(svc, scope, id);
    checkIfMatch(input, current.version);
    const before = teamView(current);
    const patched = applyAttributeOps(GROUP_RESOURCE, before, attributeOps, id);
    const after = attributeOps.length ? normaliseResource(GROUP_RESOURCE, patched.resource) : before;
    const changed = changedAttributes(before, after);
    if (changed.length === 0 && memberChanges.length === 0) {
      refuseNotUnderstood(patched.unknownKeys);
      return current;
    }
    return svc.teams.change(
      directoryScope(scope),
      current,
      changed.length ? teamDraft(after) : null,
      changed,
      memberChanges,
    );
  });
  if (attributes === undefined && excludedAttributes === undefined)
    return { status: 204, etag: etagOf(saved.version) };
  return render(svc, scope, saved, 200, projection);
}

export async function deleteGroup(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const current = await load(svc, scope, id);
  checkIfMatch(input, current.version);
  if (!(await svc.teams.remove(directoryScope(scope), current.id))) throw notFound(`Group ${id} not found`);
  return { status: 204 };
}
