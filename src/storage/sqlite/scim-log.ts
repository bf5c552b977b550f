import type { ScimLogEntry, ScimLogError, ScimLogStore, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { limitSql } from './connection.ts';
import { int, text, textOrNull } from './rows.ts';

/** The `error` column: null, or the JSON object `{"scimType": string | null, "detail": string}`. */
function errorOf(row: Row): ScimLogError | null {
  const stored = textOrNull(row, 'error');
  if (stored === null) return null;
  const parsed: unknown = JSON.parse(stored);
  const e = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { scimType, detail } = e;
  if ((scimType !== null && typeof scimType !== 'string') || typeof detail !== 'string')
    throw new StorageError('column error is not a SCIM log error');
  return { scimType, detail };
}

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
    error: errorOf(row),
    expiresAt: text(row, 'expires_at'),
  };
}

const INSERT = `INSERT OR IGNORE INTO scim_log (tenant_id, id, at, method, path, status, duration_ms, token_id,
  request_id, body, error, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
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
            e.error === null ? null : JSON.stringify({ scimType: e.error.scimType, detail: e.error.detail }),
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
