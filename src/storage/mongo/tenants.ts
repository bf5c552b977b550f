import type { Tenant, TenantId, TenantStore } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession, updateVersioned } from './common.ts';
import { documentToTenant, tenantToDocument } from './documents.ts';
import { writing } from './errors.ts';

/** Two unique fields: without keyPattern the clash cannot be told apart, so both are named. */
const UNIQUE = { otherwise: 'slug or domains' } as const;

const parse = (doc: unknown): Tenant | undefined => (doc == null ? undefined : documentToTenant(doc));

/** Everything a tenant owns, removed with it; audit events outlive the tenant. */
const OWNED = [
  'tokens',
  'accounts',
  'links',
  'teams',
  'memberships',
  'webhooks',
  'deliveries',
  'setupLinks',
] as const;

export function createTenantStore(scope: Scope): TenantStore {
  const { tenants } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  return {
    async insert(tenant) {
      // One document: a slug or domain clash stores nothing and claims nothing.
      await writing(() => tenants.create([tenantToDocument(tenant)], write), UNIQUE);
    },

    async get(id) {
      return parse(await tenants.findOne({ _id: id }).session(session).lean());
    },

    async getBySlug(slug) {
      return parse(await tenants.findOne({ slug }).session(session).lean());
    },

    async findByDomain(domain) {
      return parse(await tenants.findOne({ domains: domain.toLowerCase() }).session(session).lean());
    },

    async list() {
      const docs = await tenants.find().sort({ slug: 1 }).session(session).lean();
      return docs.map(documentToTenant);
    },

    async update(tenant, expectedVersion) {
      const { _id: _id, createdAt: _createdAt, domains, ...fields } = tenantToDocument(tenant);
      const update =
        domains === undefined
          ? { $set: fields, $unset: { domains: 1 as const } }
          : { $set: { ...fields, domains } };
      return documentToTenant(
        await updateVersioned(tenants, scope, { _id: tenant.id }, expectedVersion, update, UNIQUE),
      );
    },

    async remove(id: TenantId) {
      // The tenant goes first: once it is gone nothing can reach what it owned, so a failure
      // half-way through the cascade leaves unreachable rows, never a half-removed live tenant.
      const { deletedCount } = await tenants.deleteOne({ _id: id }, write);
      if (deletedCount === 0) return false;
      for (const name of OWNED) await scope.models[name].deleteMany({ tenantId: id }, write);
      return true;
    },
  };
}
