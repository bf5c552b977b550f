import type { EphemeralStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import { isDuplicateKey } from './errors.ts';
import { escapeRegex } from './filter.ts';
import type { Models } from './schemas.ts';

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

function valueOf(doc: unknown): string | undefined {
  const value: unknown =
    doc && typeof doc === 'object' ? (doc as { readonly value?: unknown }).value : undefined;
  return typeof value === 'string' ? value : undefined;
}

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
