import type { Tenant, TenantId, TenantStatus, TenantStore } from '../ports.ts';
import { NotFoundInStore, VersionConflict } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { translated } from './errors.ts';
import { int, jsonObject, text } from './rows.ts';

// Domains live in their own table so that a claim is unique across tenants by primary key.
const SELECT = `SELECT t.*, (SELECT json_group_array(d.domain ORDER BY d.position) FROM tenant_domains AS d
  WHERE d.tenant_id = t.id) AS domains FROM tenants AS t`;

const INSERT = `INSERT INTO tenants (id, slug, name, status, settings, connections, created_at, updated_at, version)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const UPDATE = `UPDATE tenants SET slug = ?, name = ?, status = ?, settings = ?, connections = ?, updated_at = ?,
  version = version + 1 WHERE id = ? AND version = ? RETURNING id`;

function toTenant(row: Row): Tenant {
  return {
    id: text(row, 'id') as TenantId,
    slug: text(row, 'slug'),
    name: text(row, 'name'),
    domains: JSON.parse(text(row, 'domains')) as string[],
    status: text(row, 'status') as TenantStatus,
    settings: jsonObject(row, 'settings'),
    connections: jsonObject(row, 'connections'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
    version: int(row, 'version'),
  };
}

/** Claimed domains are lowercase by contract; fold anyway so the uniqueness key cannot be dodged. */
function writeDomains(sql: Sql, tenantId: TenantId, domains: readonly string[]): void {
  sql.run('DELETE FROM tenant_domains WHERE tenant_id = ?', tenantId);
  const unique = [...new Set(domains.map((domain) => domain.toLowerCase()))];
  unique.forEach((domain, position) => {
    sql.run(
      'INSERT INTO tenant_domains (domain, tenant_id, position) VALUES (?, ?, ?)',
      domain,
      tenantId,
      position,
    );
  });
}

function insert(sql: Sql, t: Tenant): void {
  translated(() =>
    sql.atomically(() => {
      sql.run(
        INSERT,
        t.id,
        t.slug,
        t.name,
        t.status,
        JSON.stringify(t.settings),
        JSON.stringify(t.connections),
        t.createdAt,
        t.updatedAt,
        t.version,
      );
      writeDomains(sql, t.id, t.domains);
    }),
  );
}

function update(sql: Sql, t: Tenant, expectedVersion: number): Tenant {
  translated(() =>
    sql.atomically(() => {
      const row = sql.get(
        UPDATE,
        t.slug,
        t.name,
        t.status,
        JSON.stringify(t.settings),
        JSON.stringify(t.connections),
        t.updatedAt,
        t.id,
        expectedVersion,
      );
      if (!row) {
        if (sql.get('SELECT 1 AS x FROM tenants WHERE id = ?', t.id)) throw new VersionConflict();
        throw new NotFoundInStore('no such tenant');
      }
      writeDomains(sql, t.id, t.domains);
    }),
  );
  const stored = sql.get(BY_ID, t.id);
  if (!stored) throw new NotFoundInStore('no such tenant');
  return toTenant(stored);
}

// Constant text: SQL built per call is a new string to hash in the statement cache.
const BY_ID = `${SELECT} WHERE t.id = ?`;
const BY_SLUG = `${SELECT} WHERE t.slug = ?`;
const BY_DOMAIN = `${SELECT} WHERE t.id = (SELECT tenant_id FROM tenant_domains WHERE domain = ?)`;

export function createTenantStore(sql: Sql): TenantStore {
  const one = (text: string, param: string) => {
    const row = sql.get(text, param);
    return row ? toTenant(row) : undefined;
  };
  return {
    insert: async (tenant) => insert(sql, tenant),
    get: async (id) => one(BY_ID, id),
    getBySlug: async (slug) => one(BY_SLUG, slug),
    findByDomain: async (domain) => one(BY_DOMAIN, domain.toLowerCase()),
    list: async () => sql.all(`${SELECT} ORDER BY t.slug`).map(toTenant),
    update: async (tenant, expectedVersion) => update(sql, tenant, expectedVersion),
    // Everything the tenant owns goes by ON DELETE CASCADE; audit_events has no foreign key and stays.
    remove: async (id) => sql.run('DELETE FROM tenants WHERE id = ?', id) > 0,
  };
}
