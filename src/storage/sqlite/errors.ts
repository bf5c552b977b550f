import { NotFoundInStore, UniquenessConflict } from '../ports.ts';

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
 * Translates constraint failures into the port's errors; anything else is rethrown as is.
 * SQLite names the violated columns in the message ("UNIQUE constraint failed: t.a, t.b"): the last
 * column of a tenant-scoped unique index is the field that clashed.
 */
export function translateError(err: unknown): unknown {
  if (!isSqliteError(err)) return err;
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
