import type { Account, AccountId, JsonObject, Team } from '../storage/ports.ts';
import { checkIfMatch, directoryScope, etagOf, notModified, withRetry } from './core.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { notFound, ScimError } from './errors.ts';
import { LIST_RESPONSE, parseListParams } from './list.ts';
import type { ListInput, ListParams } from './list.ts';
import { normaliseResource } from './normalise.ts';
import { applyAttributeOps, parsePatchBody, refuseNotUnderstood } from './patch.ts';
import { FULL, parseProjection, project, wants } from './projection.ts';
import type { Projection } from './projection.ts';
import { USER_RESOURCE } from './schema.ts';
import { accountDraft, changedAttributes, mutableView, toScimUser } from './user-resource.ts';

async function load(svc: ScimServices, scope: ScimScope, id: string): Promise<Account> {
  const account = await svc.storage.accounts.get(scope.tenant.id, id as AccountId);
  if (!account) throw notFound(`User ${id} not found`);
  return account;
}

async function groupsOf(
  svc: ScimServices,
  scope: ScimScope,
  ids: readonly AccountId[],
  projection: Projection,
) {
  if (!wants(projection, 'groups') || ids.length === 0) return new Map<AccountId, readonly Team[]>();
  return svc.storage.memberships.teamsOf(scope.tenant.id, ids);
}

async function render(
  svc: ScimServices,
  scope: ScimScope,
  account: Account,
  status: number,
  projection = FULL,
): Promise<ScimResult> {
  const groups = await groupsOf(svc, scope, [account.id], projection);
  const body = project(toScimUser(account, groups.get(account.id) ?? [], scope.baseUrl), projection);
  return { status, body, etag: etagOf(account.version), location: `${scope.baseUrl}/Users/${account.id}` };
}

export async function getUser(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const account = await load(svc, scope, id);
  if (notModified(input, account.version)) return { status: 304, etag: etagOf(account.version) };
  const projection = parseProjection(USER_RESOURCE, input.query.attributes, input.query.excludedAttributes);
  return render(svc, scope, account, 200, projection);
}

/** GET /Users and POST /Users/.search; the store filters, sorts and pages (never a scan in JS). */
export async function listUsers(svc: ScimServices, scope: ScimScope, input: ListInput): Promise<ScimResult> {
  const params = parseListParams(USER_RESOURCE, input);
  const { total, resources } = await userPage(svc, scope, params);
  return { status: 200, body: listBody(total, params.startIndex, resources) };
}

/** One page of Users as SCIM resources, with the total the filter matches. */
export async function userPage(
  svc: ScimServices,
  scope: ScimScope,
  params: ListParams,
): Promise<{ total: number; resources: JsonObject[] }> {
  const page = await svc.storage.accounts.list(scope.tenant.id, params.query);
  const groups = await groupsOf(
    svc,
    scope,
    page.items.map((a) => a.id),
    params.projection,
  );
  const resources = page.items.map((a) =>
    project(toScimUser(a, groups.get(a.id) ?? [], scope.baseUrl), params.projection),
  );
  return { total: page.total, resources };
}

export function listBody(total: number, startIndex: number, resources: readonly JsonObject[]): JsonObject {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: [...resources],
  };
}

export async function createUser(svc: ScimServices, scope: ScimScope, input: ScimInput): Promise<ScimResult> {
  const draft = accountDraft(normaliseResource(USER_RESOURCE, input.body));
  const account = await svc.accounts.create(directoryScope(scope), draft, 'scim');
  // A new account belongs to no team yet: no membership lookup needed.
  return {
    status: 201,
    body: toScimUser(account, [], scope.baseUrl),
    etag: etagOf(account.version),
    location: `${scope.baseUrl}/Users/${account.id}`,
  };
}

function refuseIdChange(body: unknown, id: string): void {
  const given = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  if (given !== undefined && given !== id) throw new ScimError(400, 'mutability', '"id" cannot change');
}

/** PUT: full replace (RFC 7644 §3.5.1); `id`, `meta.created` and memberships stay. */
export async function replaceUser(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  refuseIdChange(input.body, id);
  const next = normaliseResource(USER_RESOURCE, input.body);
  const draft = accountDraft(next);
  const saved = await withRetry(input, async () => {
    const current = await load(svc, scope, id);
    checkIfMatch(input, current.version);
    return svc.accounts.update(
      directoryScope(scope),
      current,
      draft,
      changedAttributes(mutableView(current), next),
    );
  });
  return render(svc, scope, saved, 200);
}

export async function patchUser(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const ops = parsePatchBody(input.body);
  const projection = parseProjection(USER_RESOURCE, input.query.attributes, input.query.excludedAttributes);
  const saved = await withRetry(input, async () => {
    const current = await load(svc, scope, id);
    checkIfMatch(input, current.version);
    const before = mutableView(current);
    const patched = applyAttributeOps(USER_RESOURCE, before, ops, id);
    const after = activeNeverUnassigned(normaliseResource(USER_RESOURCE, patched.resource));
    const changed = changedAttributes(before, after);
    if (changed.length === 0) {
      refuseNotUnderstood(patched.unknownKeys);
      return current; // RFC 7644 §3.5.2: a no-op PATCH changes nothing
    }
    return svc.accounts.update(directoryScope(scope), current, accountDraft(after), changed);
  });
  return render(svc, scope, saved, 200, projection);
}

/**
 * RFC 7644 §3.5.2.2: `remove` leaves an attribute unassigned. An unassigned `active` would read as
 * the default (true) and re-activate a deactivated account, so it is stored as false (docs/scim.md).
 */
function activeNeverUnassigned(user: JsonObject): JsonObject {
  return user.active === undefined ? { ...user, active: false } : user;
}

export async function deleteUser(
  svc: ScimServices,
  scope: ScimScope,
  id: string,
  input: ScimInput,
): Promise<ScimResult> {
  const current = await load(svc, scope, id);
  checkIfMatch(input, current.version);
  if (!(await svc.accounts.remove(directoryScope(scope), current.id))) throw notFound(`User ${id} not found`);
  return { status: 204 };
}
