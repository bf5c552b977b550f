import type { ActorType, AuditEvent, AuditEventInput, AuditStore, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import { newId } from '../../platform/ids.ts';
import type { Row, Sql } from './connection.ts';
import { limitSql } from './connection.ts';
import { jsonObject, text, textOrNull } from './rows.ts';

function toEvent(row: Row): AuditEvent {
  const targetType = textOrNull(row, 'target_type');
  const targetId = textOrNull(row, 'target_id');
  return {
    id: text(row, 'id'),
    at: text(row, 'at'),
    tenantId: textOrNull(row, 'tenant_id') as TenantId | null,
    type: text(row, 'type'),
    actor: { type: text(row, 'actor_type') as ActorType, id: textOrNull(row, 'actor_id') },
    target: targetType === null || targetId === null ? null : { type: targetType, id: targetId },
    data: jsonObject(row, 'data'),
    requestId: textOrNull(row, 'request_id'),
  };
}

const INSERT = `INSERT INTO audit_events (id, tenant_id, type, actor_type, actor_id, target_type, target_id, data,
  request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// `tenant_id IS ?` matches NULL (the operator scope) too and still uses the (tenant_id, id) index.
const LIST = 'SELECT * FROM audit_events WHERE tenant_id IS ? AND id > ? ORDER BY id';

function append(sql: Sql, input: AuditEventInput): AuditEvent {
  const event: AuditEvent = { ...input, id: newId(), at: new Date().toISOString() };
  sql.run(
    INSERT,
    event.id,
    event.tenantId,
    event.type,
    event.actor.type,
    event.actor.id,
    event.target?.type ?? null,
    event.target?.id ?? null,
    JSON.stringify(event.data),
    event.requestId,
    event.at,
  );
  return event;
}

export function createAuditStore(sql: Sql): AuditStore {
  return {
    append: async (input) => append(sql, input),
    list: async (tenantId, after, limit) => {
      if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
      return sql.all(`${LIST} ${limitSql(limit)}`, tenantId, after ?? '').map(toEvent);
    },
  };
}
