import type { SetupLink, SetupLinkStore, TenantId } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { translated } from './errors.ts';
import { text, textOrNull } from './rows.ts';

function toLink(row: Row): SetupLink {
  return {
    tenantId: text(row, 'tenant_id') as TenantId,
    id: text(row, 'id'),
    hash: text(row, 'hash'),
    createdAt: text(row, 'created_at'),
    expiresAt: text(row, 'expires_at'),
    usedAt: textOrNull(row, 'used_at'),
  };
}

const INSERT = `INSERT INTO setup_links (tenant_id, id, hash, created_at, expires_at, used_at)
  VALUES (?, ?, ?, ?, ?, ?)`;

// One statement: the condition and the write are one step, so only one redemption can match.
const REDEEM = `UPDATE setup_links SET used_at = ?
  WHERE tenant_id = ? AND id = ? AND used_at IS NULL AND expires_at > ?`;

export function createSetupLinkStore(sql: Sql): SetupLinkStore {
  return {
    insert: async (l) => {
      translated(() => sql.run(INSERT, l.tenantId, l.id, l.hash, l.createdAt, l.expiresAt, l.usedAt));
    },
    findByHash: async (hash) => {
      const row = sql.get('SELECT * FROM setup_links WHERE hash = ?', hash);
      return row ? toLink(row) : undefined;
    },
    redeem: async (tenantId, id, now) => sql.run(REDEEM, now, tenantId, id, now) === 1,
    list: async (tenantId) =>
      sql.all('SELECT * FROM setup_links WHERE tenant_id = ? ORDER BY id DESC', tenantId).map(toLink),
    remove: async (tenantId, id) =>
      sql.run('DELETE FROM setup_links WHERE tenant_id = ? AND id = ?', tenantId, id) > 0,
  };
}
