import type { ScimLogEntry, ScimLogStore, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { limitSql } from './connection.ts';
import { int, text, textOrNull } from './rows.ts';

function toEntry(row: Row): ScimLogEntry {
  const duration = row['duration_ms'];
  return {
    tenantId: text(row, 'tenant_id') as TenantId,
    id: text(row, 'id'),
    at: text(row, 'at'),
    method: text(row, 'method'),
    path: text(row, 'path'),
    status: int(row, 'status'),
    durationMs: typeof duration === 'number' ? duration : 0,
    tokenId: textOrNull(row, 'token_id'),
    requestId: text(row, 'request_id'),
    body: textOrNull(row, 'body'),
    expiresAt: text(row, 'expires_at'),
  };
}

const INSERT = `INSERT OR IGNORE INTO scim_log (tenant_id, id, at, method, path, status, duration_ms, token_id,
  request_id, body, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const EXPIRE = `DELETE FROM scim_log WHERE (tenant_id, id) IN
  (SELECT tenant_id, id FROM scim_log WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`;

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
}

export function createScimLogStore(sql: Sql): ScimLogStore {
  return {
    // One statement per entry in one unit of work (the caller batches): one COMMIT for the batch.
    append: async (entries) => {
      sql.atomically(() => {
        for (const e of entries)
          sql.run(
            INSERT,
            e.tenantId,
            e.id,
            e.at,
            e.method,
            e.path,
            e.status,
            e.durationMs,
            e.tokenId,
            e.requestId,
            e.body,
            e.expiresAt,
          );
      });
    },
    list: async (tenantId, before, limit) => {
      checkLimit(limit);
      return sql
        .all(
          `SELECT * FROM scim_log WHERE tenant_id = ? AND id < ? ORDER BY id DESC ${limitSql(limit)}`,
          tenantId,
          before ?? '~',
        )
        .map(toEntry);
    },
    expire: async (now, limit) => {
      checkLimit(limit);
      return sql.run(EXPIRE, now, limit);
    },
  };
}
