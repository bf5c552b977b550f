import type { Storage } from '../ports.ts';
import { openDatabase } from './connection.ts';
import { migrate } from './migrations.ts';
import { storageOver } from './storage.ts';

/**
 * Opens the embedded store at `file` (':memory:' for a private in-memory database), creating the
 * file and applying pending schema migrations first. See storage.ts for the concurrency model.
 */
export async function createSqliteStorage(file: string): Promise<Storage> {
  const sql = openDatabase(file);
  try {
    migrate(sql.db);
  } catch (err) {
    sql.db.close();
    throw err;
  }
  return storageOver(sql);
}
