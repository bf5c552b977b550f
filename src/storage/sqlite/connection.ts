import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';

export type Row = Record<string, SQLOutputValue>;
/** A row read with `allValues`/`getValues`: values in the order of the SELECT list. */
export type Values = readonly SQLOutputValue[];
export type Param = SQLInputValue;

/** Prepared statements kept per connection and row shape; filters make many, so each cache is bounded (LRU). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * One `DatabaseSync` plus a bounded cache of prepared statements: preparing is a large share of the
 * cost of a point lookup, and the SQL of hot paths is fixed text, so each is prepared once.
 */
export class Sql {
  readonly db: DatabaseSync;
  /** Statements giving rows as objects, and as value arrays: a map each, keyed by the SQL text itself. */
  readonly #objects = new Map<string, StatementSync>();
  readonly #arrays = new Map<string, StatementSync>();
  #savepoints = 0;
  /** When set, every statement's SQL is appended (tests check query plans of the real statements). */
  trace: string[] | null = null;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** The cached prepared statement for `sql`; `arrays` gives rows as value arrays in column order. */
  statement(sql: string, arrays = false): StatementSync {
    this.trace?.push(sql);
    // Keyed by the text as given: a key built from it (a prefix for arrays) would be a new string
    // to hash on every call, and most of the hot SQL is constant text whose hash V8 keeps.
    const cache = arrays ? this.#arrays : this.#objects;
    const hit = cache.get(sql);
    if (hit) {
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const prepared = this.db.prepare(sql);
    // Arrays cost less to build than objects with named properties (a third less for a page of 100).
    if (arrays) prepared.setReturnArrays(true);
    cache.set(sql, prepared);
    if (cache.size > STATEMENT_CACHE_SIZE) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return prepared;
  }

  get(sql: string, ...params: Param[]): Row | undefined {
    return this.statement(sql).get(...params);
  }

  all(sql: string, ...params: Param[]): Row[] {
    return this.statement(sql).all(...params);
  }

  /** Rows as arrays of values in the order of the SELECT list. */
  allValues(sql: string, ...params: Param[]): Values[] {
    return this.statement(sql, true).all(...params) as unknown as Values[];
  }

  getValues(sql: string, ...params: Param[]): Values | undefined {
    return this.statement(sql, true).get(...params) as unknown as Values | undefined;
  }

  /** Rows changed. */
  run(sql: string, ...params: Param[]): number {
    return Number(this.statement(sql).run(...params).changes);
  }

  /**
   * Runs several statements atomically. A SAVEPOINT works both inside an open transaction (a
   * `tx` store) and outside one (where it opens and commits its own), so write methods need not know.
   */
  atomically<T>(fn: () => T): T {
    const name = `sp${++this.#savepoints}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      this.#savepoints -= 1;
    }
  }
}

/**
 * `LIMIT n` as literal text. SQLite's planner reads the value of a bound LIMIT, so every new
 * binding expires the statement and it is parsed and planned again on each run (measured: a page
 * query went from 12 µs to 5 µs). Limits are few and small, so the literal forms stay in the cache.
 */
export function limitSql(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`invalid LIMIT ${limit}`);
  return `LIMIT ${limit}`;
}

/** Busy wait for another process holding the write lock on a file database, in ms. */
const BUSY_TIMEOUT_MS = 5000;

/** Bytes the WAL file is truncated to after a checkpoint (it is reused rather than regrown). */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** Copies committed WAL pages into the database file (PASSIVE: never waits for readers). */
export function checkpoint(sql: Sql): void {
  if (sql.db.isOpen && !sql.db.isTransaction) sql.db.exec('PRAGMA wal_checkpoint(PASSIVE)');
}

/** Opens the database with the pragmas every connection needs and our SQL functions. */
export function openDatabase(file: string): Sql {
  const db = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
  // WAL: readers never block the writer and commits are one append; NORMAL is durable across
  // process crashes in WAL mode (an OS crash may lose the last commits, never corrupt the file).
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Checkpoints run on a timer (storage.ts), not inside whichever commit crosses SQLite's
  // 1,000-page mark: a request no longer pays for them, and a page written by many commits is
  // copied back once per checkpoint rather than once per 1,000 pages.
  if (file !== ':memory:') {
    db.exec('PRAGMA wal_autocheckpoint = 0');
    db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`);
  }
  // SQLite's lower() folds ASCII only; the filter semantics call for Unicode toLowerCase, and the
  // lowercased key columns are computed with the same JS function, so both sides always agree.
  db.function('tg_lower', { deterministic: true }, (value) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  return new Sql(db);
}
