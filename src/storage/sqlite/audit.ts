import type { ActorType, AuditEvent, AuditEventInput, AuditStore, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import { newId } from '../../platform/ids.ts';
import type { Row, Sql } from './connection.ts';
import { limitSql } from './connection.ts';
import { int, jsonObject, text, textOrNull } from './rows.ts';

function toEvent(row: Row): AuditEvent {
  const targetType = textOrNull(row, 'target_type');
  const targetId = textOrNull(row, 'target_id');
  return {
    id: text(row, 'id'),
    seq: int(row, 'seq'),
    at: text(row, 'at'),
    tenantId: textOrNull(row, 'tenant_id') as TenantId | null,
    type: text(row, 'type'),
    actor: { type: text(row, 'actor_type') as ActorType, id: textOrNull(row, 'actor_id') },
    target: targetType === null || targetId === null ? null : { type: targetType, id: targetId },
    data: jsonObject(row, 'data'),
    requestId: textOrNull(row, 'request_id'),
    expiresAt: text(row, 'expires_at'),
  };
}

// The last seq of a scope: its newest event's, or the floor retention left in event_sequences once
// it removed events (numbers are never reused, even after every event of a scope has expired).
// Two index lookups and no write: a counter row updated on every append cost a third of the append.
const HEAD = `SELECT max(coalesce((SELECT max(seq) FROM audit_events WHERE tenant_id IS ?), 0),
  coalesce((SELECT seq FROM event_sequences WHERE scope = ?), 0))`;
const INSERT = `INSERT INTO audit_events (tenant_id, seq, id, type, actor_type, actor_id, target_type, target_id,
  data, request_id, at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
// `tenant_id IS ?` matches NULL (the operator scope) too and still uses the (tenant_id, seq) index.
const LIST = 'SELECT * FROM audit_events WHERE tenant_id IS ? AND seq > ?';
const EXPIRING = `SELECT rowid FROM audit_events WHERE expires_at < ? ORDER BY expires_at LIMIT ?`;
/** Before a slice is removed: each scope's floor raised to the highest seq among the removed. */
const KEEP_FLOOR = `INSERT INTO event_sequences (scope, seq)
  SELECT coalesce(tenant_id, ''), max(seq) FROM audit_events WHERE rowid IN (${EXPIRING}) GROUP BY tenant_id
  ON CONFLICT (scope) DO UPDATE SET seq = max(seq, excluded.seq)`;
const EXPIRE = `DELETE FROM audit_events WHERE rowid IN (${EXPIRING})`;

const scopeKey = (tenantId: TenantId | null): string => tenantId ?? '';

function head(sql: Sql, tenantId: TenantId | null): number {
  const scope = scopeKey(tenantId);
  return Number(sql.getValues(HEAD, tenantId, scope)?.[0] ?? 0);
}

/**
 * Writes are serialised (lock.ts, and BEGIN IMMEDIATE across processes), so the number read in
 * the unit of work that writes the event is handed out in commit order; the unique
 * (tenant_id, seq) index refuses a duplicate whatever happens.
 */
function append(sql: Sql, input: AuditEventInput): AuditEvent {
  const seq = head(sql, input.tenantId) + 1;
  const event: AuditEvent = { ...input, id: newId(), seq, at: new Date().toISOString() };
  sql.run(
    INSERT,
    event.tenantId,
    event.seq,
    event.id,
    event.type,
    event.actor.type,
    event.actor.id,
    event.target?.type ?? null,
    event.target?.id ?? null,
    JSON.stringify(event.data),
    event.requestId,
    event.at,
    event.expiresAt,
  );
  return event;
}

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
}

/**
 * The event stream. `list` and `head` are not plain reads: the top-level store runs them as units
 * of work (guard.ts), which answer only once the batch they joined has committed, so a reader
 * never sees — and never moves its cursor past — an event whose batch could still fail to commit
 * (group-commit.ts; docs/decisions/0060-events-outbox.md).
 */
export function createAuditStore(sql: Sql): AuditStore {
  return {
    append: async (input) => append(sql, input),
    list: async (tenantId, after, limit, types) => {
      checkLimit(limit);
      const params: (string | number | null)[] = [tenantId, after ?? 0];
      let where = LIST;
      if (types !== undefined) {
        if (types.length === 0) return [];
        where += ` AND type IN (${types.map(() => '?').join(', ')})`;
        params.push(...types);
      }
      return sql.all(`${where} ORDER BY seq ${limitSql(limit)}`, ...params).map(toEvent);
    },
    head: async (tenantId) => head(sql, tenantId),
    expire: async (now, limit) => {
      checkLimit(limit);
      return sql.atomically(() => {
        sql.run(KEEP_FLOOR, now, limit);
        return sql.run(EXPIRE, now, limit);
      });
    },
  };
}
