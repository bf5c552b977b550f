import type { DeliveryStatus, TenantId, WebhookDelivery, WebhookEndpoint, WebhookStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Row, Sql } from './connection.ts';
import { limitSql } from './connection.ts';
import { translated } from './errors.ts';
import { int, text, textOrNull } from './rows.ts';

function toEndpoint(row: Row): WebhookEndpoint {
  const types = textOrNull(row, 'types');
  return {
    tenantId: text(row, 'tenant_id') as TenantId,
    id: text(row, 'id'),
    url: text(row, 'url'),
    types: types === null ? null : (JSON.parse(types) as string[]),
    secret: text(row, 'secret'),
    createdAt: text(row, 'created_at'),
    cursor: int(row, 'cursor'),
    nextAttemptAt: textOrNull(row, 'next_attempt_at'),
    leaseOwner: textOrNull(row, 'lease_owner'),
    leaseUntil: textOrNull(row, 'lease_until'),
  };
}

function toDelivery(row: Row): WebhookDelivery {
  const code = row['last_status_code'];
  return {
    tenantId: text(row, 'tenant_id') as TenantId,
    id: text(row, 'id'),
    endpointId: text(row, 'endpoint_id'),
    eventId: text(row, 'event_id'),
    eventSeq: int(row, 'event_seq'),
    eventType: text(row, 'event_type'),
    status: text(row, 'status') as DeliveryStatus,
    attempts: int(row, 'attempts'),
    firstAttemptAt: text(row, 'first_attempt_at'),
    lastAttemptAt: text(row, 'last_attempt_at'),
    nextAttemptAt: textOrNull(row, 'next_attempt_at'),
    lastStatusCode: typeof code === 'number' ? code : null,
    lastError: textOrNull(row, 'last_error'),
  };
}

const INSERT = `INSERT INTO webhooks (tenant_id, id, url, types, secret, created_at, cursor, next_attempt_at,
  lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const DUE = `SELECT * FROM webhooks WHERE (next_attempt_at IS NULL OR next_attempt_at <= ?)
  AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at, tenant_id, id`;
const LEASE = 'UPDATE webhooks SET lease_owner = ?, lease_until = ? WHERE tenant_id = ? AND id = ?';
const RELEASE = `UPDATE webhooks SET cursor = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL
  WHERE tenant_id = ? AND id = ? AND lease_owner = ?`;
const SAVE_DELIVERY = `INSERT OR REPLACE INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_seq,
  event_type, status, attempts, first_attempt_at, last_attempt_at, next_attempt_at, last_status_code, last_error)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const DELIVERIES = `SELECT * FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND event_seq < ?
  ORDER BY event_seq DESC`;

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
}

export function createWebhookStore(sql: Sql): WebhookStore {
  return {
    insert: async (e) => {
      translated(() =>
        sql.run(
          INSERT,
          e.tenantId,
          e.id,
          e.url,
          e.types === null ? null : JSON.stringify(e.types),
          e.secret,
          e.createdAt,
          e.cursor,
          e.nextAttemptAt,
          e.leaseOwner,
          e.leaseUntil,
        ),
      );
    },
    get: async (tenantId, id) => {
      const row = sql.get('SELECT * FROM webhooks WHERE tenant_id = ? AND id = ?', tenantId, id);
      return row ? toEndpoint(row) : undefined;
    },
    list: async (tenantId) =>
      sql.all('SELECT * FROM webhooks WHERE tenant_id = ? ORDER BY id', tenantId).map(toEndpoint),
    remove: async (tenantId, id) =>
      sql.run('DELETE FROM webhooks WHERE tenant_id = ? AND id = ?', tenantId, id) > 0,
    replaceSecret: async (tenantId, id, expected, secret) =>
      sql.run(
        'UPDATE webhooks SET secret = ? WHERE tenant_id = ? AND id = ? AND secret = ?',
        secret,
        tenantId,
        id,
        expected,
      ) > 0,
    // Select and lease in one unit of work on the one connection: nothing runs in between.
    claim: async (owner, now, leaseUntil, limit) => {
      checkLimit(limit);
      if (limit === 0) return [];
      return sql.atomically(() =>
        sql.all(`${DUE} ${limitSql(limit)}`, now, now).map((row) => {
          const endpoint = toEndpoint(row);
          sql.run(LEASE, owner, leaseUntil, endpoint.tenantId, endpoint.id);
          return { ...endpoint, leaseOwner: owner, leaseUntil };
        }),
      );
    },
    release: async (tenantId, id, owner, progress) =>
      sql.run(RELEASE, progress.cursor, progress.nextAttemptAt, tenantId, id, owner) > 0,
    saveDelivery: async (d) => {
      translated(() =>
        sql.run(
          SAVE_DELIVERY,
          d.tenantId,
          d.id,
          d.endpointId,
          d.eventId,
          d.eventSeq,
          d.eventType,
          d.status,
          d.attempts,
          d.firstAttemptAt,
          d.lastAttemptAt,
          d.nextAttemptAt,
          d.lastStatusCode,
          d.lastError,
        ),
      );
    },
    findDelivery: async (tenantId, endpointId, eventId) => {
      const row = sql.get(
        'SELECT * FROM webhook_deliveries WHERE tenant_id = ? AND endpoint_id = ? AND event_id = ?',
        tenantId,
        endpointId,
        eventId,
      );
      return row ? toDelivery(row) : undefined;
    },
    deliveries: async (tenantId, endpointId, before, limit) => {
      checkLimit(limit);
      return sql
        .all(`${DELIVERIES} ${limitSql(limit)}`, tenantId, endpointId, before ?? Number.MAX_SAFE_INTEGER)
        .map(toDelivery);
    },
  };
}
