import type { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../ports.ts';
import { SCHEMA_V1 } from './schema.ts';
import { SCHEMA_V2 } from './schema-events.ts';
import { SCHEMA_V3 } from './schema-setup-links.ts';
import { SCHEMA_V4 } from './schema-scim-log-errors.ts';

export interface Migration {
  /** 1, 2, 3…: the `PRAGMA user_version` the database has once this migration is applied. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Append only: a released migration is never edited, the next change is a new entry. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: SCHEMA_V1 },
  { version: 2, name: 'event stream, webhooks, SCIM request log', sql: SCHEMA_V2 },
  { version: 3, name: 'setup links', sql: SCHEMA_V3 },
  { version: 4, name: 'SCIM request log errors', sql: SCHEMA_V4 },
];

export function schemaVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.user_version ?? 0);
}

/** The migrations `migrate` would apply to a database at `version`. */
export function pendingMigrations(
  version: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Migration[] {
  return migrations.filter((m) => m.version > version);
}

/**
 * Brings the schema up to the last migration. Each migration runs in its own IMMEDIATE
 * transaction together with its `user_version` bump, so a failure leaves the previous version
 * intact, and two processes opening the same file never both apply one.
 */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number {
  checkSequence(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = schemaVersion(db);
  if (current > latest) {
    throw new StorageError(`database schema version ${current} is newer than this build knows (${latest})`);
  }
  for (const migration of migrations.filter((m) => m.version > current)) {
    db.exec('BEGIN IMMEDIATE');
    try {
      // Re-read under the write lock: another process may have migrated meanwhile.
      if (schemaVersion(db) < migration.version) {
        db.exec(migration.sql);
        db.exec(`PRAGMA user_version = ${migration.version}`);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw new StorageError(`migration ${migration.version} (${migration.name}) failed`, { cause: err });
    }
  }
  return schemaVersion(db);
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1 || !Number.isInteger(migration.version)) {
      throw new StorageError(`migrations must be numbered 1, 2, 3… (found ${migration.version} at ${index})`);
    }
  });
}
