/**
 * Migration 2: the audit table becomes the event stream (docs/decisions/0060-events-outbox.md),
 * plus webhook endpoints, their deliveries and the SCIM request log.
 *
 * `audit_events` is rebuilt (a STRICT table cannot gain a NOT NULL column in place): every
 * existing event gets its per-tenant `seq` in id order (ids are UUIDv7, so id order is append
 * order), an expiry 30 days after it happened (the default retention), and the event types renamed
 * for the product-facing names.
 */
export const SCHEMA_V2 = `
CREATE TABLE events (
  tenant_id TEXT,
  seq INTEGER NOT NULL,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  target_type TEXT,
  target_id TEXT,
  data TEXT NOT NULL,
  request_id TEXT,
  at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT;

INSERT INTO events (tenant_id, seq, id, type, actor_type, actor_id, target_type, target_id, data, request_id, at, expires_at)
SELECT tenant_id,
  row_number() OVER (PARTITION BY tenant_id ORDER BY id),
  id,
  CASE type
    WHEN 'account.provisioned' THEN 'account.created'
    WHEN 'team.members_added' THEN 'team.member_added'
    WHEN 'team.members_removed' THEN 'team.member_removed'
    WHEN 'sso.login_succeeded' THEN 'session.started'
    ELSE type
  END,
  actor_type, actor_id, target_type, target_id, data, request_id, at,
  strftime('%Y-%m-%dT%H:%M:%fZ', at, '+30 days')
FROM audit_events;

DROP TABLE audit_events;
ALTER TABLE events RENAME TO audit_events;
-- No foreign key to tenants: the trail outlives the tenant it describes (until retention).
-- NULL tenant_id (the operator scope) is one scope too: writes are serialised, so its seq stays unique.
CREATE UNIQUE INDEX audit_events_by_tenant ON audit_events(tenant_id, seq);
CREATE INDEX audit_events_by_expiry ON audit_events(expires_at);

-- The last seq of each scope (tenant id, '' for the operator scope): numbers are never reused,
-- even once retention has removed every event of a scope.
CREATE TABLE event_sequences (
  scope TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO event_sequences (scope, seq)
  SELECT coalesce(tenant_id, ''), max(seq) FROM audit_events GROUP BY tenant_id;

CREATE TABLE webhooks (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  url TEXT NOT NULL,
  types TEXT,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  next_attempt_at TEXT,
  lease_owner TEXT,
  lease_until TEXT,
  PRIMARY KEY (tenant_id, id)
) STRICT;
-- The dispatcher's scan across tenants: few rows, one per endpoint.
CREATE INDEX webhooks_by_due ON webhooks(next_attempt_at);

CREATE TABLE webhook_deliveries (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_attempt_at TEXT NOT NULL,
  last_attempt_at TEXT NOT NULL,
  next_attempt_at TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhooks(tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE UNIQUE INDEX webhook_deliveries_by_event ON webhook_deliveries(tenant_id, endpoint_id, event_id);
CREATE INDEX webhook_deliveries_by_seq ON webhook_deliveries(tenant_id, endpoint_id, event_seq);

-- Like the events, the log of a deleted tenant stays until its retention ends.
CREATE TABLE scim_log (
  tenant_id TEXT NOT NULL,
  id TEXT NOT NULL,
  at TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  token_id TEXT,
  request_id TEXT NOT NULL,
  body TEXT,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX scim_log_by_expiry ON scim_log(expires_at);
`;
