import { existsSync, mkdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import type { Storage } from './ports.ts';
import { createSqliteStorage } from './sqlite/index.ts';
import { MIGRATIONS, pendingMigrations, schemaVersion } from './sqlite/migrations.ts';

export type StorageOptions =
  { readonly driver: 'sqlite'; readonly file: string } | { readonly driver: 'mongo'; readonly uri: string };

/** The adapter that config selects: MongoDB when `MONGODB_URI` is set, else SQLite under the data dir. */
export function storageOptions(config: {
  readonly dataDir: string;
  readonly mongodbUri?: string | undefined;
}): StorageOptions {
  if (config.mongodbUri) return { driver: 'mongo', uri: config.mongodbUri };
  return { driver: 'sqlite', file: join(config.dataDir, 'trustgate.db') };
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  if (options.driver === 'mongo') {
    // Loaded only when selected: SQLite installs never pay for mongoose at start-up.
    const { createMongoStorage } = await import('./mongo/index.ts');
    return createMongoStorage(options.uri);
  }
  if (options.file !== ':memory:') mkdirSync(join(options.file, '..'), { recursive: true });
  return createSqliteStorage(options.file);
}

/** Where the store is and what its schema needs (`trustgate migrate --status`). */
export interface MigrationStatus {
  readonly driver: 'sqlite' | 'mongo';
  /** The SQLite file, or the MongoDB URI without its credentials. */
  readonly location: string;
  /** SQLite: `PRAGMA user_version` (0: no schema yet); MongoDB: null (no versioned migrations). */
  readonly version: number | null;
  readonly latest: number | null;
  readonly pending: readonly { readonly version: number; readonly name: string }[];
}

const withoutCredentials = (uri: string): string => uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1');

/**
 * The schema state, read without changing anything: the SQLite file is opened read-only (and
 * not created when absent). MongoDB has no schema version; every start creates missing
 * collections and indexes (docs/operations.md, upgrades).
 */
export function migrationStatus(options: StorageOptions): MigrationStatus {
  if (options.driver === 'mongo')
    return {
      driver: 'mongo',
      location: withoutCredentials(options.uri),
      version: null,
      latest: null,
      pending: [],
    };
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  let version = 0;
  if (options.file !== ':memory:' && existsSync(options.file)) {
    const db = new DatabaseSync(options.file, { readOnly: true });
    try {
      version = schemaVersion(db);
    } finally {
      db.close();
    }
  }
  const pending = pendingMigrations(version).map(({ version: v, name }) => ({ version: v, name }));
  return { driver: 'sqlite', location: options.file, version, latest, pending };
}
