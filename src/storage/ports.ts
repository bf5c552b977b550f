/**
 * The storage port: every byte Trustgate persists goes through these interfaces. Adapters live
 * beside this file (`sqlite/`, `mongo/`) and are proven equal by one contract suite
 * (`test/storage/contract/`). Nothing here knows SCIM, SAML or HTTP.
 *
 * Rules every adapter keeps:
 * - every read and write is scoped by `tenantId`; no method returns another tenant's record;
 * - `userName` is unique per tenant case-insensitively, team `displayName` likewise;
 * - updates are optimistic: `update(record, expectedVersion)` fails with `VersionConflict`
 *   when the stored version differs, and bumps `version` by one;
 * - `transaction(fn)` runs `fn` as one unit of work: all of its writes (including the audit
 *   event) land, or none do.
 */

import type { Actor } from '../platform/actor.ts';
import type { ScimLogStore, WebhookStore } from './event-ports.ts';
export type {
  ScimLogEntry,
  ScimLogError,
  ScimLogStore,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookStore,
  EndpointProgress,
  DeliveryStatus,
} from './event-ports.ts';
export type TenantId = string & { readonly __brand: 'TenantId' };
export type AccountId = string & { readonly __brand: 'AccountId' };
export type TeamId = string & { readonly __brand: 'TeamId' };
export type TokenId = string & { readonly __brand: 'TokenId' };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** ISO-8601 UTC timestamps with milliseconds (`new Date().toISOString()`): they sort as strings. */
export type Timestamp = string;

// ---------------------------------------------------------------------------------------------
// Records

export type TenantStatus = 'active' | 'disabled';

export interface Tenant {
  readonly id: TenantId;
  readonly slug: string;
  readonly name: string;
  /** Email domains the tenant has claimed (lowercase), unique across tenants. */
  readonly domains: readonly string[];
  readonly status: TenantStatus;
  /** Tenant settings (validated by the tenants service, opaque here). */
  readonly settings: JsonObject;
  /** Sign-in connections by kind (`saml`, `oidc`), shaped by their modules; secrets inside are encrypted. */
  readonly connections: JsonObject;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
  readonly version: number;
}

export type TokenKind = 'scim' | 'admin';

export interface ApiToken {
  readonly id: TokenId;
  readonly tenantId: TenantId;
  readonly kind: TokenKind;
  /** Hex SHA-256 of the token; the token itself is never stored. */
  readonly hash: string;
  readonly label: string | null;
  readonly createdAt: Timestamp;
  readonly lastUsedAt: Timestamp | null;
}

/** A person: a SCIM User. */
export interface Account {
  readonly tenantId: TenantId;
  readonly id: AccountId;
  readonly userName: string;
  /** Case-exact (RFC 7643 §3.1). */
  readonly externalId: string | null;
  readonly active: boolean;
  readonly displayName: string | null;
  /** The primary (or first) email, as given. */
  readonly email: string | null;
  /**
   * Every other attribute of the resource (core and extension), keyed by canonical attribute
   * name, extensions under their schema URN. Never holds `id`, `meta`, `groups` or passwords.
   */
  readonly attributes: JsonObject;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
  readonly version: number;
}

/** A group of accounts: a SCIM Group. Members are `Membership` records, never stored here. */
export interface Team {
  readonly tenantId: TenantId;
  readonly id: TeamId;
  readonly displayName: string;
  readonly externalId: string | null;
  /** Attributes other than displayName/externalId/members (extensions), keyed as for accounts. */
  readonly attributes: JsonObject;
  readonly createdAt: Timestamp;
  readonly updatedAt: Timestamp;
  readonly version: number;
}

export interface Member {
  readonly accountId: AccountId;
  /** The member's displayName, else userName. */
  readonly display: string | null;
}

/** A product app registered with the product-facing OpenID Provider. */
export interface OAuthClient {
  readonly clientId: string;
  readonly name: string;
  /** Client metadata as oidc-provider reads it, with `client_secret` encrypted (see platform/secrets). */
  readonly metadata: JsonObject;
  readonly createdAt: Timestamp;
}

export type { ActorType } from '../platform/actor.ts';

/** A setup link: one expiring, single-use way in to one tenant's admin page (docs/admin-ui.md#setup-links). */
export interface SetupLink {
  readonly tenantId: TenantId;
  /** UUIDv7. */
  readonly id: string;
  /** Hex SHA-256 of the link's secret; the secret itself is never stored. */
  readonly hash: string;
  readonly createdAt: Timestamp;
  readonly expiresAt: Timestamp;
  /** When it was redeemed; null while unused. */
  readonly usedAt: Timestamp | null;
}

export interface AuditEventInput {
  readonly tenantId: TenantId | null;
  /** `noun.past_verb`, e.g. `tenant.created`, `account.created`. */
  readonly type: string;
  readonly actor: Actor;
  readonly target: { readonly type: string; readonly id: string } | null;
  /** What changed (attribute names, old/new values that are not secrets). */
  readonly data: JsonObject;
  readonly requestId: string | null;
  /** When retention removes the event (SQLite sweeper, MongoDB TTL index). */
  readonly expiresAt: Timestamp;
}

/** An event of the one stream (the outbox): the audit trail, the events API and webhooks read it. */
export interface AuditEvent extends AuditEventInput {
  /** UUIDv7, the event's identity. */
  readonly id: string;
  /**
   * 1, 2, 3… per tenant (and for the operator scope), assigned inside the unit of work that
   * writes the event, in commit order: the pagination cursor (docs/decisions/0060-events-outbox.md).
   */
  readonly seq: number;
  readonly at: Timestamp;
}

// ---------------------------------------------------------------------------------------------
// Queries

/**
 * A path to a singular attribute, by canonical names: `['userName']`, `['name', 'familyName']`,
 * `['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'manager', 'value']`.
 * `['id']`, `['externalId']`, `['userName']`, `['active']`, `['displayName']`,
 * `['meta', 'created']` and `['meta', 'lastModified']` address the record's own fields; every
 * other path addresses `attributes`. A path never crosses a multi-valued attribute: use `elem`.
 */
export type AttrPath = readonly string[];

export type Scalar = string | number | boolean | null;

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/**
 * A storage-neutral filter (what a SCIM filter becomes once resolved against the schema).
 * Semantics every adapter implements identically (the contract suite and the mingo cross-check
 * hold them to it):
 * - a comparison on an absent or null attribute is false, except `ne`, which is `not eq`;
 * - `eq`/`ne` with `value: null` test for absence;
 * - values compare only with the same JSON type (the SCIM layer coerces to the schema type
 *   first): `"true"` never equals `true`;
 * - `co`/`sw`/`ew` apply to strings only; `gt`/`ge`/`lt`/`le` to numbers (numerically) and
 *   strings (by code point; timestamps are ISO strings), never to booleans;
 * - `caseExact: false` lowercases both sides (Unicode `toLowerCase`) before comparing;
 * - `present` is true for a value that is not null, `""`, `[]` or `{}`.
 */
export type Filter =
  | { readonly kind: 'all' }
  | { readonly kind: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly kind: 'not'; readonly filter: Filter }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly attr: AttrPath;
      readonly value: Scalar;
      /** false: strings compare case-insensitively. */
      readonly caseExact: boolean;
    }
  | { readonly kind: 'present'; readonly attr: AttrPath }
  /** Some element of the multi-valued attribute `attr` matches `filter` (paths relative to the element; `['value']` for simple values). */
  | { readonly kind: 'elem'; readonly attr: AttrPath; readonly filter: Filter }
  /** Teams only: the team has this account as a member. */
  | { readonly kind: 'member'; readonly accountId: string }
  /** Teams only: the team has at least one member. */
  | { readonly kind: 'hasMembers' };

export interface ListQuery {
  readonly filter: Filter;
  /** 0-based. */
  readonly offset: number;
  /** 0 returns only `total`. */
  readonly limit: number;
  /**
   * Default: creation order (by id). Ties always break by id ascending, so pages are stable.
   * Absent values sort last ascending and first descending (RFC 7644 §3.4.2.3); numbers sort
   * before strings.
   */
  readonly sort?: { readonly attr: AttrPath; readonly descending: boolean; readonly caseExact: boolean };
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly total: number;
}

// ---------------------------------------------------------------------------------------------
// Stores

export interface TenantStore {
  /** Fails with `UniquenessConflict` (field `slug` or `domains`). */
  insert(tenant: Tenant): Promise<void>;
  get(id: TenantId): Promise<Tenant | undefined>;
  getBySlug(slug: string): Promise<Tenant | undefined>;
  /** The tenant that claimed `domain` (lowercase). */
  findByDomain(domain: string): Promise<Tenant | undefined>;
  /** All tenants by slug. */
  list(): Promise<readonly Tenant[]>;
  /** Stores `tenant` with `version = expectedVersion + 1`; `VersionConflict`/`UniquenessConflict`. */
  update(tenant: Tenant, expectedVersion: number): Promise<Tenant>;
  /** Removes the tenant and everything it owns (tokens, accounts, teams, memberships, links, setup links). Audit events stay. */
  remove(id: TenantId): Promise<boolean>;
}

export interface TokenStore {
  insert(token: ApiToken): Promise<void>;
  /** By hash across tenants (the caller then checks the tenant and kind). */
  findByHash(hash: string): Promise<ApiToken | undefined>;
  list(tenantId: TenantId, kind?: TokenKind): Promise<readonly ApiToken[]>;
  remove(tenantId: TenantId, id: TokenId): Promise<boolean>;
  touch(tenantId: TenantId, id: TokenId, at: Timestamp): Promise<void>;
}

export interface AccountStore {
  get(tenantId: TenantId, id: AccountId): Promise<Account | undefined>;
  /** Case-insensitive. */
  getByUserName(tenantId: TenantId, userName: string): Promise<Account | undefined>;
  /** Case-insensitive, on the primary email. */
  getByEmail(tenantId: TenantId, email: string): Promise<readonly Account[]>;
  /** Which of `ids` are accounts of this tenant. */
  existing(tenantId: TenantId, ids: readonly string[]): Promise<ReadonlySet<AccountId>>;
  list(tenantId: TenantId, query: ListQuery): Promise<Page<Account>>;
  /** `UniquenessConflict` (field `userName`) when taken. */
  insert(account: Account): Promise<void>;
  /**
   * `previous`, the record as read at `expectedVersion`, lets an adapter write only the indexed
   * fields that changed; without it (or at another version) every field is written.
   */
  update(account: Account, expectedVersion: number, previous?: Account): Promise<Account>;
  /** Removes the account, its memberships and its sign-in links. */
  remove(tenantId: TenantId, id: AccountId): Promise<boolean>;
  /** Sign-in links: an SSO subject (`idp|issuer|nameId`) → account. */
  findBySubject(tenantId: TenantId, subject: string): Promise<Account | undefined>;
  link(tenantId: TenantId, subject: string, accountId: AccountId): Promise<void>;
}

export interface TeamStore {
  get(tenantId: TenantId, id: TeamId): Promise<Team | undefined>;
  getByDisplayName(tenantId: TenantId, displayName: string): Promise<Team | undefined>;
  list(tenantId: TenantId, query: ListQuery): Promise<Page<Team>>;
  /** `UniquenessConflict` (field `displayName`). */
  insert(team: Team): Promise<void>;
  update(team: Team, expectedVersion: number): Promise<Team>;
  /** Removes the team and its memberships. */
  remove(tenantId: TenantId, id: TeamId): Promise<boolean>;
}

export interface MembershipStore {
  /** Idempotent; returns how many were new. Callers check the accounts exist first. */
  add(tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): Promise<number>;
  /** Returns how many were removed. */
  remove(tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): Promise<number>;
  /** Makes the member set exactly `accountIds`. */
  replace(tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): Promise<void>;
  /** Members in account-id order. */
  members(tenantId: TenantId, teamId: TeamId): Promise<readonly Member[]>;
  count(tenantId: TenantId, teamId: TeamId): Promise<number>;
  /** Which of `accountIds` are members. */
  whichAreMembers(
    tenantId: TenantId,
    teamId: TeamId,
    accountIds: readonly AccountId[],
  ): Promise<ReadonlySet<AccountId>>;
  /** Teams of each account (for the SCIM User `groups` attribute and the `groups` claim). */
  teamsOf(
    tenantId: TenantId,
    accountIds: readonly AccountId[],
  ): Promise<ReadonlyMap<AccountId, readonly Team[]>>;
}

export interface SetupLinkStore {
  /** `UniquenessConflict` (field `hash`). */
  insert(link: SetupLink): Promise<void>;
  /** By hash across tenants: the secret names its tenant. */
  findByHash(hash: string): Promise<SetupLink | undefined>;
  /**
   * Marks the link used at `now` when it is unused and `expiresAt` is after `now`, atomically:
   * however many callers race, exactly one gets true.
   */
  redeem(tenantId: TenantId, id: string, now: Timestamp): Promise<boolean>;
  /** The tenant's links, newest first. */
  list(tenantId: TenantId): Promise<readonly SetupLink[]>;
  remove(tenantId: TenantId, id: string): Promise<boolean>;
}

export interface ClientStore {
  insert(client: OAuthClient): Promise<void>;
  get(clientId: string): Promise<OAuthClient | undefined>;
  list(): Promise<readonly OAuthClient[]>;
  /** Replaces the client's name and metadata (`createdAt` stays); false when there is none. */
  update(client: OAuthClient): Promise<boolean>;
  remove(clientId: string): Promise<boolean>;
}

export interface AuditStore {
  /** Appends with the scope's next `seq`; outside a transaction it is a unit of work of its own. */
  append(event: AuditEventInput): Promise<AuditEvent>;
  /**
   * Events of a tenant (or of the operator scope when `tenantId` is null) with `seq > after`,
   * in `seq` order, only of `types` when given. Only committed events: a reader that follows
   * the last `seq` it saw sees every event exactly once, however writers interleave.
   */
  list(
    tenantId: TenantId | null,
    after: number | null,
    limit: number,
    types?: readonly string[],
  ): Promise<readonly AuditEvent[]>;
  /** The last committed `seq` of the scope (0 when none). */
  head(tenantId: TenantId | null): Promise<number>;
  /** Removes events whose `expiresAt` is before `now`; returns how many (at most `limit`). */
  expire(now: Timestamp, limit: number): Promise<number>;
}

/**
 * Protocol state with a lifetime: SAML request ids, assertion-id replay cache, OIDC
 * state/nonce/PKCE, one-time codes, oidc-provider models. Expired entries are invisible at once
 * and swept eventually. `ttlSeconds: null` keeps an entry until deleted (signing keys).
 */
export interface EphemeralStore {
  /** Creates or overwrites. */
  put(key: string, value: string, ttlSeconds: number | null): Promise<void>;
  /** Creates only if absent (or expired); false when a live entry exists (replay detection). */
  putIfAbsent(key: string, value: string, ttlSeconds: number | null): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  /** Returns the live value and deletes it, atomically: at most one caller ever gets it. */
  consume(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Live entries whose key starts with `prefix` (for small indexes such as grants by account). */
  keys(prefix: string): Promise<readonly string[]>;
  /**
   * Adds `by` (a non-negative integer; 0 reads) to the counter at `key` and returns the new total,
   * atomically: concurrent increments from any number of processes are never lost. A missing or
   * expired counter starts from 0 and lives `ttlSeconds` from this call; later increments keep
   * that expiry (a fixed window). `get` reads a counter as its decimal total. A key used as a
   * counter holds nothing else (rate limits: docs/decisions/0090-rate-limits.md).
   */
  increment(key: string, by: number, ttlSeconds: number): Promise<number>;
}

/**
 * The stores that take part in a unit of work. The ephemeral store is not one of them: protocol
 * state is written outside transactions (the SQLite adapter refuses ephemeral writes inside one).
 */
export interface Stores {
  readonly tenants: TenantStore;
  readonly tokens: TokenStore;
  readonly accounts: AccountStore;
  readonly teams: TeamStore;
  readonly memberships: MembershipStore;
  readonly clients: ClientStore;
  readonly audit: AuditStore;
  readonly webhooks: WebhookStore;
  readonly setupLinks: SetupLinkStore;
}

export interface Storage extends Stores {
  readonly driver: 'sqlite' | 'mongo';
  readonly ephemeral: EphemeralStore;
  /** Written in batches outside requests, never in a unit of work. */
  readonly scimLog: ScimLogStore;
  /**
   * Runs `fn` as one unit of work over the stores it is given: commits when it resolves, rolls
   * back when it throws (and rethrows). Use only the `tx` stores inside, never after `fn`
   * returns; transactions do not nest. `fn` may run more than once (MongoDB retries a unit after a
   * transient write conflict or a failover), so it must do nothing but use the `tx` stores. Reads outside a transaction may observe the writes of one
   * in progress on the embedded adapter (one connection): decide from reads made inside `fn`.
   */
  transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T>;
  /** Throws when the store is unreachable (`/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors: domain-free, defined beside the port (errors.ts); each surface maps them to its protocol

export {
  NotFoundInStore,
  StorageError,
  StorageUnavailable,
  UniquenessConflict,
  VersionConflict,
} from './errors.ts';
