import { NotFoundInStore, StorageUnavailable, UniquenessConflict } from '../ports.ts';

/** Unique index column → the record field named in `UniquenessConflict`. */
const UNIQUE_FIELDS: Readonly<Record<string, string>> = {
  'accounts.user_name_lower': 'userName',
  'accounts.id': 'id',
  'teams.display_name_lower': 'displayName',
  'teams.id': 'id',
  'tenants.slug': 'slug',
  'tenants.id': 'id',
  'tenant_domains.domain': 'domains',
  'api_tokens.hash': 'hash',
  'setup_links.hash': 'hash',
  'api_tokens.id': 'id',
  'oauth_clients.client_id': 'clientId',
  'account_links.subject': 'subject',
};

interface SqliteError {
  readonly code?: unknown;
  readonly errcode?: unknown;
  readonly message: string;
}

function isSqliteError(err: unknown): err is SqliteError {
  return err instanceof Error && (err as SqliteError).code === 'ERR_SQLITE_ERROR';
}

/**
 * SQLite's primary result codes (https://sqlite.org/rescode.html) that mean the database cannot
 * be written now, not that the request is wrong: BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN.
 */
const UNAVAILABLE = new Set([5, 6, 8, 10, 13, 14]);

/** A `StorageUnavailable` when `err` says the file cannot be written now, else undefined. */
export function unavailable(err: unknown): StorageUnavailable | undefined {
  if (err instanceof StorageUnavailable) return err;
  if (!isSqliteError(err) || typeof err.errcode !== 'number') return undefined;
  // Extended codes carry the primary code in their low byte (SQLITE_IOERR_WRITE = 778 = 10 | 3 << 8).
  if (!UNAVAILABLE.has(err.errcode & 0xff)) return undefined;
  return new StorageUnavailable(`the database cannot be written: ${err.message}`, { cause: err });
}

/**
 * Translates constraint failures and unavailability into the port's errors; anything else is
 * rethrown as is.
 * SQLite names the violated columns in the message ("UNIQUE constraint failed: t.a, t.b"): the last
 * column of a tenant-scoped unique index is the field that clashed.
 */
export function translateError(err: unknown): unknown {
  if (!isSqliteError(err)) return err;
  const down = unavailable(err);
  if (down) return down;
  const unique = /^(?:UNIQUE|PRIMARY KEY) constraint failed: (.+)$/.exec(err.message);
  if (unique?.[1]) {
    const columns = unique[1].split(', ');
    const field = UNIQUE_FIELDS[columns.at(-1) ?? ''] ?? columns.join(',');
    const conflict = new UniquenessConflict(field);
    conflict.cause = err;
    return conflict;
  }
  if (err.message.includes('FOREIGN KEY constraint failed')) {
    return new NotFoundInStore('a referenced record does not exist in this tenant', { cause: err });
  }
  return err;
}

/** Runs `fn`, rethrowing SQLite constraint errors as port errors. */
export function translated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw translateError(err);
  }
}
