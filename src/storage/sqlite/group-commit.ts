import type { StatementSync } from 'node:sqlite';
import { StorageError } from '../ports.ts';
import type { Sql } from './connection.ts';
import type { WriteLock } from './lock.ts';
import { unavailable } from './errors.ts';

interface Batch {
  /** Settles when the batch's COMMIT is done (or failed); every unit of the batch waits for it. */
  readonly committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
  units: number;
}

/** A lost batch: unavailable when the file could not be written, else a storage failure. */
const failure = (message: string, cause: unknown): StorageError =>
  unavailable(cause) ?? new StorageError(message, { cause });

/**
 * Group commit. Units of work still run one at a time under the write lock, but the units that
 * arrive while the event loop takes in a burst of requests share one SQLite transaction, committed
 * once that burst is in (`setImmediate`, queued behind them on the lock). One COMMIT, and one WAL
 * append of each page they touched, then serves many writes: an identity provider provisioning
 * sends dozens at once.
 *
 * Each unit runs in its own savepoint, so a unit that fails is rolled back alone and its caller
 * gets its error at once. A unit's caller hears of success only after the COMMIT: if the COMMIT
 * fails, or SQLite abandons the whole transaction under a unit, every unit of the batch fails.
 * Reads on the connection see a batch before it commits, as they always saw a transaction still
 * in progress (see storage.ts).
 */
export class GroupCommit {
  readonly #sql: Sql;
  readonly #lock: WriteLock;
  readonly #statements: Record<'begin' | 'commit' | 'savepoint' | 'release' | 'rollbackTo', StatementSync>;
  #batch: Batch | null = null;
  /** Counters for tests and diagnostics. */
  readonly stats = { commits: 0, units: 0 };

  constructor(sql: Sql, lock: WriteLock) {
    this.#sql = sql;
    this.#lock = lock;
    // Prepared once: `exec` would parse the text on every unit. Units never nest (the lock), so
    // one savepoint name serves them all; `Sql.atomically` nests its own inside.
    const prepare = (text: string) => sql.db.prepare(text);
    this.#statements = {
      begin: prepare('BEGIN IMMEDIATE'),
      commit: prepare('COMMIT'),
      savepoint: prepare('SAVEPOINT tg_unit'),
      release: prepare('RELEASE tg_unit'),
      rollbackTo: prepare('ROLLBACK TO tg_unit'),
    };
  }

  /** Runs `fn` as one unit of work; resolves with its result once the unit is committed. */
  async run<T>(fn: () => Promise<T> | T, options: { transaction?: boolean } = {}): Promise<T> {
    let committed: Promise<void> | undefined;
    const unit = async () => {
      let batch: Batch;
      try {
        batch = this.#open();
      } catch (err) {
        throw unavailable(err) ?? err;
      }
      const { savepoint, release, rollbackTo } = this.#statements;
      savepoint.run();
      try {
        const value = await fn();
        release.run();
        batch.units += 1;
        committed = batch.committed;
        return value;
      } catch (err) {
        if (this.#sql.db.isTransaction) {
          rollbackTo.run();
          release.run();
        } else {
          // SQLite rolled the whole transaction back (I/O error, disk full): the batch is lost.
          this.#settle(batch, failure('the write was rolled back with its batch', err));
        }
        throw unavailable(err) ?? err;
      }
    };
    const value = options.transaction ? await this.#lock.runTransaction(unit) : await this.#lock.run(unit);
    await committed;
    return value;
  }

  /** Commits the open batch now; call under the write lock (checkpoints and close need no transaction open). */
  commitNow(): void {
    if (this.#batch) this.#commit(this.#batch);
  }

  #open(): Batch {
    if (this.#batch) return this.#batch;
    this.#statements.begin.run();
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A batch whose every unit failed has nobody waiting on it.
    committed.catch(() => undefined);
    const batch: Batch = { committed, resolve, reject, units: 0 };
    this.#batch = batch;
    // After the event loop has taken in what is ready, behind the units already queued.
    setImmediate(() => {
      void this.#lock.enqueue(() => {
        if (this.#batch === batch) this.#commit(batch);
      });
    });
    return batch;
  }

  #commit(batch: Batch): void {
    try {
      this.#statements.commit.run();
      this.stats.commits += 1;
      this.stats.units += batch.units;
      this.#settle(batch);
    } catch (err) {
      try {
        if (this.#sql.db.isTransaction) this.#sql.db.exec('ROLLBACK');
      } catch {
        // SQLite ends the transaction itself when it cannot roll back; every unit still hears.
      }
      this.#settle(batch, failure('the commit failed; its writes were rolled back', err));
    }
  }

  #settle(batch: Batch, err?: unknown): void {
    if (this.#batch === batch) this.#batch = null;
    if (err === undefined) batch.resolve();
    else batch.reject(err);
  }
}
