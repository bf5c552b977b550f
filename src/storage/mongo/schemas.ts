import mongoose from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import { createEventModels } from './event-schemas.ts';
import type { EventModels } from './event-schemas.ts';

const { Schema } = mongoose;
const { Mixed } = Schema.Types;

/**
 * Explicit schemas: the shape of every collection and its indexes. `tenantId` leads every index
 * of tenant-owned data, as the shard key must. Indexes are built at start-up by `prepare()`, never
 * lazily (`autoIndex: false`). `strict: 'throw'` turns a mapping bug into an error instead of a
 * silently dropped field, and `minimize: false` keeps empty objects (`{}` is a stored value).
 * Every field is always written (nullable ones as null), so no path needs a default.
 *
 * Written as plain literals with type shorthands: typescript-eslint 8.74's
 * no-unsafe-class-instance-assignment flags path-option objects (mongoose declares
 * `SchemaTypeOptions` as a class) and overflows its stack on a `SchemaDefinition`-typed argument.
 */
const OPTIONS = {
  autoIndex: false,
  autoCreate: false,
  minimize: false,
  strict: 'throw',
  versionKey: false,
  id: false,
} as const;

const tenants = new Schema(
  {
    _id: String,
    slug: String,
    name: String,
    domains: [String],
    status: String,
    settings: Mixed,
    connections: Mixed,
    createdAt: String,
    updatedAt: String,
    version: Number,
  },
  OPTIONS,
);
// `domains` is left out when empty (documents.ts) and mongoose must not default it to `[]`: an
// empty array is indexed as one shared key, so two tenants without domains would clash.
tenants.path('domains').default(undefined);
tenants.index({ slug: 1 }, { unique: true });
// Multikey: one entry per domain, unique across tenants.
tenants.index({ domains: 1 }, { unique: true, sparse: true });

const tokens = new Schema(
  {
    _id: String,
    tenantId: String,
    kind: String,
    hash: String,
    label: String,
    createdAt: String,
    lastUsedAt: String,
  },
  OPTIONS,
);
// Looked up by hash before the tenant is known, so this index cannot lead with tenantId; the
// collection is small and stays unsharded.
tokens.index({ hash: 1 }, { unique: true });
tokens.index({ tenantId: 1, kind: 1, _id: 1 });

const accounts = new Schema(
  {
    _id: String,
    tenantId: String,
    userName: String,
    userNameLower: String,
    externalId: String,
    externalIdLower: String,
    active: Boolean,
    displayName: String,
    displayNameLower: String,
    email: String,
    emailLower: String,
    attributes: Mixed,
    createdAt: String,
    updatedAt: String,
    version: Number,
  },
  OPTIONS,
);
accounts.index({ tenantId: 1, userNameLower: 1 }, { unique: true });
accounts.index({ tenantId: 1, externalId: 1 });
accounts.index({ tenantId: 1, emailLower: 1 });
accounts.index({ tenantId: 1, _id: 1 });

const links = new Schema({ tenantId: String, subject: String, accountId: String }, OPTIONS);
links.index({ tenantId: 1, subject: 1 }, { unique: true });
links.index({ tenantId: 1, accountId: 1 });

const teams = new Schema(
  {
    _id: String,
    tenantId: String,
    displayName: String,
    displayNameLower: String,
    externalId: String,
    externalIdLower: String,
    attributes: Mixed,
    createdAt: String,
    updatedAt: String,
    version: Number,
  },
  OPTIONS,
);
teams.index({ tenantId: 1, displayNameLower: 1 }, { unique: true });
teams.index({ tenantId: 1, externalId: 1 });
teams.index({ tenantId: 1, _id: 1 });

// One document per membership: a 50,000-member team changes by inserting or deleting a few small
// documents, never by rewriting a 50,000-element array.
const memberships = new Schema({ tenantId: String, teamId: String, accountId: String }, OPTIONS);
memberships.index({ tenantId: 1, teamId: 1, accountId: 1 }, { unique: true });
memberships.index({ tenantId: 1, accountId: 1 });

const clients = new Schema({ _id: String, name: String, metadata: Mixed, createdAt: String }, OPTIONS);

// `typeKey`: these subdocuments have a field named `type`.
const actor = new Schema({ type: String, id: String }, { _id: false, strict: 'throw', typeKey: '$type' });
const target = new Schema({ type: String, id: String }, { _id: false, strict: 'throw', typeKey: '$type' });
const audit = new Schema(
  {
    _id: String,
    tenantId: String,
    seq: Number,
    type: String,
    actor,
    target,
    data: Mixed,
    requestId: String,
    at: String,
    expiresAt: Date,
  },
  OPTIONS,
);
audit.index({ tenantId: 1, _id: 1 });
// The events API's cursor (docs/decisions/0060-events-outbox.md).
audit.index({ tenantId: 1, seq: 1 }, { unique: true });
// Retention: a TTL index has a single key, so this one cannot lead with tenantId.
audit.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

// The key is `_id`, unique by construction. TTL: MongoDB deletes an entry once `expiresAt` has
// passed, but its monitor runs only every 60 s, so reads also filter on `expiresAt` (ephemeral.ts).
const setupLinks = new Schema(
  {
    _id: String,
    tenantId: String,
    hash: String,
    createdAt: String,
    expiresAt: String,
    usedAt: String,
  },
  OPTIONS,
);
// Looked up by hash before the tenant is known (as tokens are); small and unsharded.
setupLinks.index({ hash: 1 }, { unique: true });
setupLinks.index({ tenantId: 1, _id: 1 });

// `count` holds a counter's total (`increment`): `$inc` cannot add to the string `value`.
const ephemeral = new Schema({ _id: String, value: String, count: Number, expiresAt: Date }, OPTIONS);
ephemeral.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface Models extends EventModels {
  readonly tenants: Model<unknown>;
  readonly tokens: Model<unknown>;
  readonly accounts: Model<unknown>;
  readonly links: Model<unknown>;
  readonly teams: Model<unknown>;
  readonly memberships: Model<unknown>;
  readonly clients: Model<unknown>;
  readonly audit: Model<unknown>;
  readonly ephemeral: Model<unknown>;
  readonly setupLinks: Model<unknown>;
}

/** Models bound to one connection (no global mongoose registry). */
export function createModels(connection: Connection): Models {
  return {
    tenants: connection.model<unknown>('Tenant', tenants, 'tenants'),
    tokens: connection.model<unknown>('ApiToken', tokens, 'api_tokens'),
    accounts: connection.model<unknown>('Account', accounts, 'accounts'),
    links: connection.model<unknown>('AccountLink', links, 'account_links'),
    teams: connection.model<unknown>('Team', teams, 'teams'),
    memberships: connection.model<unknown>('Membership', memberships, 'memberships'),
    clients: connection.model<unknown>('OAuthClient', clients, 'oauth_clients'),
    audit: connection.model<unknown>('AuditEvent', audit, 'audit_events'),
    ephemeral: connection.model<unknown>('EphemeralEntry', ephemeral, 'ephemeral'),
    setupLinks: connection.model<unknown>('SetupLink', setupLinks, 'setup_links'),
    ...createEventModels(connection),
  };
}

/**
 * Creates the collections (a transaction cannot create one on every server version) and their
 * indexes. `createIndexes` only adds what is missing, so instances starting side by side in a
 * rolling deploy never drop each other's indexes (`syncIndexes` would).
 */
export async function prepare(models: Models, options: { readonly ttlIndexes: boolean }): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    await model.createCollection();
    if (options.ttlIndexes) {
      await model.createIndexes();
      continue;
    }
    // A test server without TTL indexes (server-options.ts): every other index still.
    const kept = model.schema
      .indexes()
      .filter(([, indexOptions]) => indexOptions['expireAfterSeconds'] === undefined)
      .map(([key, indexOptions]) => ({ ...indexOptions, key }) as mongo.IndexDescription);
    if (kept.length > 0) await model.collection.createIndexes(kept);
  }
}
