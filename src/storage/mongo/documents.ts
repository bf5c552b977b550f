import type {
  Account,
  AccountId,
  ActorType,
  ApiToken,
  AuditEvent,
  JsonObject,
  OAuthClient,
  Team,
  TeamId,
  Tenant,
  TenantId,
  TenantStatus,
  TokenId,
  TokenKind,
} from '../ports.ts';
import { StorageError } from '../ports.ts';
import { decodeObject, encodeObject } from './keys.ts';

/**
 * The stored shapes and the pure mappings between port records and them. Timestamps stay ISO
 * strings (the port compares them as strings; a BSON date would never equal a filter's string).
 * Lowercased copies back the case-insensitive unique indexes and filters (see keys.ts).
 */
export type AccountDocument = {
  readonly _id: string;
  readonly tenantId: string;
  readonly userName: string;
  readonly userNameLower: string;
  readonly externalId: string | null;
  readonly externalIdLower: string | null;
  readonly active: boolean;
  readonly displayName: string | null;
  readonly displayNameLower: string | null;
  readonly email: string | null;
  readonly emailLower: string | null;
  readonly attributes: JsonObject;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
};

export type TeamDocument = {
  readonly _id: string;
  readonly tenantId: string;
  readonly displayName: string;
  readonly displayNameLower: string;
  readonly externalId: string | null;
  readonly externalIdLower: string | null;
  readonly attributes: JsonObject;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
};

const lowerOrNull = (value: string | null): string | null => (value === null ? null : value.toLowerCase());

export function accountToDocument(account: Account): AccountDocument {
  return {
    _id: account.id,
    tenantId: account.tenantId,
    userName: account.userName,
    userNameLower: account.userName.toLowerCase(),
    externalId: account.externalId,
    externalIdLower: lowerOrNull(account.externalId),
    active: account.active,
    displayName: account.displayName,
    displayNameLower: lowerOrNull(account.displayName),
    email: account.email,
    emailLower: lowerOrNull(account.email),
    attributes: encodeObject(account.attributes),
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    version: account.version,
  };
}

export function teamToDocument(team: Team): TeamDocument {
  return {
    _id: team.id,
    tenantId: team.tenantId,
    displayName: team.displayName,
    displayNameLower: team.displayName.toLowerCase(),
    externalId: team.externalId,
    externalIdLower: lowerOrNull(team.externalId),
    attributes: encodeObject(team.attributes),
    createdAt: team.createdAt,
    updatedAt: team.updatedAt,
    version: team.version,
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing what the driver returns: a schema drift fails loudly instead of leaking `undefined`.

type Fields = Readonly<Record<string, unknown>>;

export function fields(doc: unknown, what: string): Fields {
  if (doc === null || typeof doc !== 'object') throw new StorageError(`stored ${what} is not a document`);
  return doc as Fields;
}

export function str(doc: Fields, key: string): string {
  const value = doc[key];
  if (typeof value !== 'string') throw new StorageError(`stored field ${key} is not a string`);
  return value;
}

export function strOrNull(doc: Fields, key: string): string | null {
  const value = doc[key] ?? null;
  return value === null ? null : str(doc, key);
}

export function num(doc: Fields, key: string): number {
  const value = doc[key];
  if (typeof value !== 'number') throw new StorageError(`stored field ${key} is not a number`);
  return value;
}

function bool(doc: Fields, key: string): boolean {
  const value = doc[key];
  if (typeof value !== 'boolean') throw new StorageError(`stored field ${key} is not a boolean`);
  return value;
}

function oneOf<T extends string>(doc: Fields, key: string, allowed: readonly T[]): T {
  const value = str(doc, key);
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new StorageError(`stored field ${key} has an unknown value`);
  return found;
}

export function documentToAccount(doc: unknown): Account {
  const d = fields(doc, 'account');
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id') as AccountId,
    userName: str(d, 'userName'),
    externalId: strOrNull(d, 'externalId'),
    active: bool(d, 'active'),
    displayName: strOrNull(d, 'displayName'),
    email: strOrNull(d, 'email'),
    attributes: decodeObject(d['attributes'], 'attributes'),
    createdAt: str(d, 'createdAt'),
    updatedAt: str(d, 'updatedAt'),
    version: num(d, 'version'),
  };
}

export function documentToTeam(doc: unknown): Team {
  const d = fields(doc, 'team');
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id') as TeamId,
    displayName: str(d, 'displayName'),
    externalId: strOrNull(d, 'externalId'),
    attributes: decodeObject(d['attributes'], 'attributes'),
    createdAt: str(d, 'createdAt'),
    updatedAt: str(d, 'updatedAt'),
    version: num(d, 'version'),
  };
}

// ---------------------------------------------------------------------------------------------
// Tenants, tokens, clients, audit events: opaque JSON only gets its keys escaped.

export type TenantDocument = Readonly<Record<string, unknown>> & {
  readonly _id: string;
  readonly domains?: readonly string[];
};

/**
 * `domains` lowercased and deduplicated (as SQLite stores them), and left out when empty: the
 * sparse unique index then never sees two tenants without domains as a clash.
 */
export function tenantToDocument(tenant: Tenant): TenantDocument {
  const domains = [...new Set(tenant.domains.map((domain) => domain.toLowerCase()))];
  return {
    _id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    ...(domains.length > 0 ? { domains } : {}),
    status: tenant.status,
    settings: encodeObject(tenant.settings, false),
    connections: encodeObject(tenant.connections, false),
    createdAt: tenant.createdAt,
    updatedAt: tenant.updatedAt,
    version: tenant.version,
  };
}

const TENANT_STATUSES: readonly TenantStatus[] = ['active', 'disabled'];

export function documentToTenant(doc: unknown): Tenant {
  const d = fields(doc, 'tenant');
  const domains = d['domains'] ?? [];
  if (!Array.isArray(domains) || !domains.every((domain) => typeof domain === 'string')) {
    throw new StorageError('stored field domains is not a list of strings');
  }
  return {
    id: str(d, '_id') as TenantId,
    slug: str(d, 'slug'),
    name: str(d, 'name'),
    domains,
    status: oneOf(d, 'status', TENANT_STATUSES),
    settings: decodeObject(d['settings'], 'settings'),
    connections: decodeObject(d['connections'], 'connections'),
    createdAt: str(d, 'createdAt'),
    updatedAt: str(d, 'updatedAt'),
    version: num(d, 'version'),
  };
}

export function tokenToDocument(token: ApiToken): Record<string, unknown> {
  const { id, ...rest } = token;
  return { _id: id, ...rest };
}

const TOKEN_KINDS: readonly TokenKind[] = ['scim', 'admin'];

export function documentToToken(doc: unknown): ApiToken {
  const d = fields(doc, 'token');
  return {
    id: str(d, '_id') as TokenId,
    tenantId: str(d, 'tenantId') as TenantId,
    kind: oneOf(d, 'kind', TOKEN_KINDS),
    hash: str(d, 'hash'),
    label: strOrNull(d, 'label'),
    createdAt: str(d, 'createdAt'),
    lastUsedAt: strOrNull(d, 'lastUsedAt'),
  };
}

export function clientToDocument(client: OAuthClient): Record<string, unknown> {
  return {
    _id: client.clientId,
    name: client.name,
    metadata: encodeObject(client.metadata, false),
    createdAt: client.createdAt,
  };
}

export function documentToClient(doc: unknown): OAuthClient {
  const d = fields(doc, 'client');
  return {
    clientId: str(d, '_id'),
    name: str(d, 'name'),
    metadata: decodeObject(d['metadata'], 'metadata'),
    createdAt: str(d, 'createdAt'),
  };
}

export function auditToDocument(event: AuditEvent): Record<string, unknown> {
  const { id, data, actor, target, expiresAt, ...rest } = event;
  return {
    _id: id,
    ...rest,
    // A Date: the TTL index removes the event once it has passed (schemas.ts).
    expiresAt: new Date(expiresAt),
    actor: { ...actor },
    target: target && { ...target },
    data: encodeObject(data, false),
  };
}

const ACTOR_TYPES: readonly ActorType[] = [
  'operator',
  'admin_token',
  'scim_token',
  'setup_link',
  'user',
  'system',
];

export function documentToAudit(doc: unknown): AuditEvent {
  const d = fields(doc, 'audit event');
  const actor = fields(d['actor'], 'audit actor');
  const target = d['target'] == null ? null : fields(d['target'], 'audit target');
  return {
    id: str(d, '_id'),
    tenantId: strOrNull(d, 'tenantId') as TenantId | null,
    type: str(d, 'type'),
    actor: { type: oneOf(actor, 'type', ACTOR_TYPES), id: strOrNull(actor, 'id') },
    target: target && { type: str(target, 'type'), id: str(target, 'id') },
    data: decodeObject(d['data'], 'audit data'),
    requestId: strOrNull(d, 'requestId'),
    at: str(d, 'at'),
    seq: num(d, 'seq'),
    expiresAt: dateString(d, 'expiresAt'),
  };
}

/** A stored Date as our timestamp string. */
export function dateString(doc: Fields, key: string): string {
  const value = doc[key];
  if (!(value instanceof Date)) throw new StorageError(`stored field ${key} is not a date`);
  return value.toISOString();
}
