import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from './ports.ts';
import { createSqliteStorage } from './sqlite/index.ts';

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
