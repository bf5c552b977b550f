import { StorageError } from '../ports.ts';

/** A filter and update the adapter sends as one `findOneAndUpdate` (built here, run by mingo in tests). */
export interface CounterStep {
  readonly filter: Record<string, unknown>;
  readonly update: Record<string, unknown>;
}

/**
 * The two steps of `increment` (ephemeral.ts): `live` adds to a live counter (no upsert: an
 * expired document must not be added to); `fresh`, run only when `live` matched nothing, replaces
 * an expired document or inserts the key (upsert on `_id`, which the filter copies), starting
 * at `by` with a new expiry. Two processes racing to insert both upsert the same `_id`: one gets a
 * duplicate-key error and runs `live` again.
 */
export function counterSteps(
  key: string,
  by: number,
  ttlSeconds: number,
  now: Date,
): { readonly live: CounterStep; readonly fresh: CounterStep } {
  if (!Number.isSafeInteger(by) || by < 0) throw new StorageError(`invalid increment ${by}`);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
    throw new StorageError(`invalid ttlSeconds ${ttlSeconds}`);
  const expiresAt = new Date(now.getTime() + Math.round(ttlSeconds * 1000));
  return {
    live: {
      filter: { _id: key, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] },
      update: { $inc: { count: by } },
    },
    fresh: {
      filter: { _id: key, expiresAt: { $lte: now } },
      update: { $set: { count: by, expiresAt }, $unset: { value: '' } },
    },
  };
}

/** The total of a counter document as `findOneAndUpdate` returns it (after the update). */
export function countOf(doc: unknown): number | undefined {
  const count: unknown =
    doc && typeof doc === 'object' ? (doc as { readonly count?: unknown }).count : undefined;
  return typeof count === 'number' ? count : undefined;
}
