import type { EphemeralStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import { isDuplicateKey } from './errors.ts';
import { escapeRegex } from './filter.ts';
import type { Models } from './schemas.ts';
import { countOf, counterSteps } from './counters.ts';

/**
 * Live entries: no expiry, or expiring later than now. The TTL index removes expired entries only
 * when its monitor runs (every 60 s), so every read filters by expiry itself.
 */
function live(now: Date): { $or: object[] } {
  return { $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

function expiresAt(now: Date, ttlSeconds: number | null): Date | null {
  if (ttlSeconds === null) return null;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0)
    throw new StorageError(`invalid ttlSeconds ${ttlSeconds}`);
  return new Date(now.getTime() + Math.round(ttlSeconds * 1000));
}

/** An entry's value; a counter (`increment`) reads as its decimal total. */
function valueOf(doc: unknown): string | undefined {
  const value: unknown =
    doc && typeof doc === 'object' ? (doc as { readonly value?: unknown }).value : undefined;
  if (typeof value === 'string') return value;
  const count = countOf(doc);
  return count === undefined ? undefined : String(count);
}

/** Attempts at an insert that lost a race to another process's insert of the same counter. */
const INCREMENT_ATTEMPTS = 3;

/** Protocol state outside any unit of work: keyed by `_id`, so the key is unique by construction. */
export function createEphemeralStore(models: Models): EphemeralStore {
  const { ephemeral } = models;
  return {
    async put(key, value, ttlSeconds) {
      const now = new Date();
      await ephemeral.updateOne(
        { _id: key },
        { $set: { value, expiresAt: expiresAt(now, ttlSeconds) } },
        { upsert: true },
      );
    },

    async putIfAbsent(key, value, ttlSeconds) {
      // Matches only an expired entry (then overwrites it). A live one does not match, so the
      // upsert tries to insert a second `_id: key` and fails with a duplicate key: a replay.
      const now = new Date();
      const change = { $set: { value, expiresAt: expiresAt(now, ttlSeconds) } };
      try {
        await ephemeral.updateOne({ _id: key, expiresAt: { $lte: now } }, change, { upsert: true });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async get(key) {
      return valueOf(await ephemeral.findOne({ _id: key, ...live(new Date()) }).lean());
    },

    // One atomic server-side operation: at most one caller gets the document.
    async consume(key) {
      return valueOf(await ephemeral.findOneAndDelete({ _id: key, ...live(new Date()) }).lean());
    },

    async delete(key) {
      await ephemeral.deleteOne({ _id: key });
    },

    // One round trip for a live counter; a second to start a missing or expired one.
    async increment(key, by, ttlSeconds) {
      for (let attempt = 1; ; attempt += 1) {
        const { live, fresh } = counterSteps(key, by, ttlSeconds, new Date());
        const after = { returnDocument: 'after' as const };
        const added = countOf(await ephemeral.findOneAndUpdate(live.filter, live.update, after).lean());
        if (added !== undefined) return added;
        try {
          const started = await ephemeral
            .findOneAndUpdate(fresh.filter, fresh.update, { ...after, upsert: true })
            .lean();
          return countOf(started) ?? by;
        } catch (err) {
          if (!isDuplicateKey(err) || attempt >= INCREMENT_ATTEMPTS) throw err;
        }
      }
    },

    // An anchored, escaped prefix regex is an `_id` index range scan.
    async keys(prefix) {
      const docs = await ephemeral
        .find({ _id: { $regex: `^${escapeRegex(prefix)}` }, ...live(new Date()) }, { _id: 1 })
        .sort({ _id: 1 })
        .lean();
      return docs.map((doc) => String((doc as { readonly _id: unknown })._id));
    },
  };
}
