import type { AccountDraft } from '../directory/accounts.ts';
import type { Account, JsonObject, JsonValue, Team } from '../storage/ports.ts';
import { etagOf } from './core.ts';
import { badRequest } from './errors.ts';
import { assignAttributes, CORE_USER, extensionsOf } from './schema.ts';

/** Fields of `Account` that are SCIM attributes of their own (everything else is `attributes`). */
const RECORD_FIELDS = new Set(['userName', 'externalId', 'active', 'displayName']);

/** An account as a SCIM User (RFC 7643 §4.1); `groups` only when loaded. */
export function toScimUser(
  account: Account,
  groups: readonly Team[] | undefined,
  baseUrl: string,
): JsonObject {
  const extensions = extensionsOf(account.attributes);
  const user: JsonObject = { schemas: [CORE_USER, ...extensions], id: account.id };
  if (account.externalId !== null) user.externalId = account.externalId;
  user.userName = account.userName;
  if (account.displayName !== null) user.displayName = account.displayName;
  user.active = account.active;
  assignAttributes(user, account.attributes);
  if (groups && groups.length > 0)
    user.groups = groups.map((t) => ({
      value: t.id,
      $ref: `${baseUrl}/Groups/${t.id}`,
      display: t.displayName,
      type: 'direct',
    }));
  user.meta = {
    resourceType: 'User',
    created: account.createdAt,
    lastModified: account.updatedAt,
    location: `${baseUrl}/Users/${account.id}`,
    version: etagOf(account.version),
  };
  return user;
}

/** The mutable part of a User, as `normaliseResource` left it → an account draft. */
export function accountDraft(user: JsonObject): AccountDraft {
  const userName = user.userName;
  if (typeof userName !== 'string' || userName.trim() === '')
    throw badRequest('invalidValue', '"userName" is required');
  const attributes: JsonObject = {};
  for (const [key, value] of Object.entries(user))
    if (!RECORD_FIELDS.has(key) && key !== 'id') attributes[key] = value;
  return {
    userName,
    externalId: stringOrNull(user.externalId),
    active: user.active !== false,
    displayName: stringOrNull(user.displayName),
    email: primaryEmail(user.emails),
    attributes,
  };
}

/** The attributes a client can change, as SCIM JSON (for PATCH and for diffs). */
export function mutableView(account: Account): JsonObject {
  const extensions = extensionsOf(account.attributes);
  const view: JsonObject = {
    schemas: [CORE_USER, ...extensions],
    userName: account.userName,
    active: account.active,
  };
  if (account.externalId !== null) view.externalId = account.externalId;
  if (account.displayName !== null) view.displayName = account.displayName;
  return { ...view, ...account.attributes };
}

const stringOrNull = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);

function primaryEmail(emails: JsonValue | undefined): string | null {
  if (!Array.isArray(emails)) return null;
  const objects = emails.filter(
    (e): e is JsonObject => typeof e === 'object' && e !== null && !Array.isArray(e),
  );
  const chosen = objects.find((e) => e.primary === true) ?? objects[0];
  return chosen && typeof chosen.value === 'string' ? chosen.value : null;
}

/** Top-level attribute names whose values differ (for the audit trail). */
export function changedAttributes(before: JsonObject, after: JsonObject): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => k !== 'schemas' && JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .sort();
}
