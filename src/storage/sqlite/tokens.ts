import type { ApiToken, TenantId, TokenId, TokenKind, TokenStore } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { translated } from './errors.ts';
import { text, textOrNull } from './rows.ts';

function toToken(row: Row): ApiToken {
  return {
    id: text(row, 'id') as TokenId,
    tenantId: text(row, 'tenant_id') as TenantId,
    kind: text(row, 'kind') as TokenKind,
    hash: text(row, 'hash'),
    label: textOrNull(row, 'label'),
    createdAt: text(row, 'created_at'),
    lastUsedAt: textOrNull(row, 'last_used_at'),
  };
}

const INSERT = `INSERT INTO api_tokens (id, tenant_id, kind, hash, label, created_at, last_used_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

export function createTokenStore(sql: Sql): TokenStore {
  return {
    insert: async (t) => {
      translated(() => sql.run(INSERT, t.id, t.tenantId, t.kind, t.hash, t.label, t.createdAt, t.lastUsedAt));
    },
    findByHash: async (hash) => {
      const row = sql.get('SELECT * FROM api_tokens WHERE hash = ?', hash);
      return row ? toToken(row) : undefined;
    },
    list: async (tenantId, kind) =>
      sql
        .all(
          'SELECT * FROM api_tokens WHERE tenant_id = ? AND (? IS NULL OR kind = ?) ORDER BY id',
          tenantId,
          kind ?? null,
          kind ?? null,
        )
        .map(toToken),
    remove: async (tenantId, id) =>
      sql.run('DELETE FROM api_tokens WHERE tenant_id = ? AND id = ?', tenantId, id) > 0,
    touch: async (tenantId, id, at) => {
      sql.run('UPDATE api_tokens SET last_used_at = ? WHERE tenant_id = ? AND id = ?', at, tenantId, id);
    },
  };
}
