import { AsyncLocalStorage } from 'node:async_hooks';
import { StorageError } from '../ports.ts';

interface Scope {
  open: boolean;
}

/**
 * Serialises units of work on the one connection. node:sqlite is synchronous but a transaction's
 * `fn` awaits, so without this another request's write could run inside our open transaction and
 * be committed or rolled back with it. A promise chain gives FIFO order without polling.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve();
  readonly #scope = new AsyncLocalStorage<Scope>();

  /** Runs `fn` once every earlier holder has finished. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const refusal = this.#refusalInsideTransaction();
    if (refusal) return Promise.reject(refusal);
    return this.enqueue(fn);
  }

  /**
   * Like `run`, without the check for a caller inside a transaction: for the adapter's own jobs
   * (a group commit), scheduled from inside a unit of work but run after it.
   */
  enqueue<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Like `run`, and marks `fn`'s async context as inside a transaction (see `#refusalInsideTransaction`). */
  runTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.run(async () => {
      const scope: Scope = { open: true };
      try {
        return await this.#scope.run(scope, fn);
      } finally {
        scope.open = false;
      }
    });
  }

  /**
   * A write through the top-level stores (or a nested `transaction`) from inside a transaction's
   * `fn` would wait for the lock that `fn` itself holds: a silent deadlock. Fail fast instead.
   */
  #refusalInsideTransaction(): StorageError | undefined {
    if (!this.#scope.getStore()?.open) return undefined;
    return new StorageError(
      'storage write outside the transaction: inside transaction(fn) use only the tx stores; transactions do not nest',
    );
  }
}
