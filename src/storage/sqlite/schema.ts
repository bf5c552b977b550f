/**
 * Migration 1: the whole first schema. Every tenant-owned table leads with `tenant_id`, and every
 * lookup the SCIM, SSO and admin paths make has an index that starts with it.
 */
export const SCHEMA_V1 = `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  settings TEXT NOT NULL,
  connections TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL
) STRICT;

-- Claimed email domains, unique across tenants (home-realm discovery by login_hint).
CREATE TABLE tenant_domains (
  domain TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  position INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX tenant_domains_by_tenant ON tenant_domains(tenant_id, position);

-- An honest total for unfiltered lists without count(*) over every row; kept by triggers so that
-- no write path (including cascades) can forget it.
CREATE TABLE tenant_counters (
  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  accounts INTEGER NOT NULL DEFAULT 0,
  teams INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE TRIGGER tenants_counter AFTER INSERT ON tenants BEGIN
  INSERT INTO tenant_counters(tenant_id) VALUES (NEW.id);
END;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  label TEXT,
  created_at TEXT NOT NULL,
  last_used_at TEXT
) STRICT;
CREATE INDEX api_tokens_by_tenant ON api_tokens(tenant_id, kind, id);

CREATE TABLE accounts (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  user_name TEXT NOT NULL,
  user_name_lower TEXT NOT NULL,
  external_id TEXT,
  active INTEGER NOT NULL,
  display_name TEXT,
  email TEXT,
  email_lower TEXT,
  attributes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX accounts_by_user_name ON accounts(tenant_id, user_name_lower);
-- id last: matches come out in page order, so the planner never trades the index for the sort.
CREATE INDEX accounts_by_external_id ON accounts(tenant_id, external_id, id);
CREATE INDEX accounts_by_email ON accounts(tenant_id, email_lower, id);
CREATE TRIGGER accounts_count_up AFTER INSERT ON accounts BEGIN
  UPDATE tenant_counters SET accounts = accounts + 1 WHERE tenant_id = NEW.tenant_id;
END;
CREATE TRIGGER accounts_count_down AFTER DELETE ON accounts BEGIN
  UPDATE tenant_counters SET accounts = accounts - 1 WHERE tenant_id = OLD.tenant_id;
END;

CREATE TABLE teams (
  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  display_name_lower TEXT NOT NULL,
  external_id TEXT,
  attributes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE UNIQUE INDEX teams_by_display_name ON teams(tenant_id, display_name_lower);
CREATE INDEX teams_by_external_id ON teams(tenant_id, external_id, id);
CREATE TRIGGER teams_count_up AFTER INSERT ON teams BEGIN
  UPDATE tenant_counters SET teams = teams + 1 WHERE tenant_id = NEW.tenant_id;
END;
CREATE TRIGGER teams_count_down AFTER DELETE ON teams BEGIN
  UPDATE tenant_counters SET teams = teams - 1 WHERE tenant_id = OLD.tenant_id;
END;

-- Composite foreign keys make a cross-tenant membership impossible, not merely unlikely.
CREATE TABLE memberships (
  tenant_id TEXT NOT NULL,
  team_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, team_id, account_id),
  FOREIGN KEY (tenant_id, team_id) REFERENCES teams(tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, account_id) REFERENCES accounts(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_by_account ON memberships(tenant_id, account_id, team_id);

CREATE TABLE account_links (
  tenant_id TEXT NOT NULL,
  subject TEXT NOT NULL,
  account_id TEXT NOT NULL,
  PRIMARY KEY (tenant_id, subject),
  FOREIGN KEY (tenant_id, account_id) REFERENCES accounts(tenant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX account_links_by_account ON account_links(tenant_id, account_id);

CREATE TABLE oauth_clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

-- No foreign key to tenants: the audit trail outlives the tenant it describes.
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT,
  type TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT,
  target_type TEXT,
  target_id TEXT,
  data TEXT NOT NULL,
  request_id TEXT,
  at TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_by_tenant ON audit_events(tenant_id, id);

-- expires_at: epoch milliseconds, NULL = no expiry.
CREATE TABLE ephemeral (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX ephemeral_by_expiry ON ephemeral(expires_at) WHERE expires_at IS NOT NULL;
`;
