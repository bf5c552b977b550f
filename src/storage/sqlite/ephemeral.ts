import type { EphemeralStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Sql } from './connection.ts';
import { text } from './rows.ts';

/** Live: no expiry, or expiring later than now. Every read filters by it, so expiry is immediate. */
const LIVE = '(expires_at IS NULL OR expires_at > ?)';

const PUT = `INSERT INTO ephemeral (key, value, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`;
// Replaces only an expired entry: a live one means replay.
const PUT_IF_ABSENT = `INSERT INTO ephemeral (key, value, expires_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
  WHERE ephemeral.expires_at IS NOT NULL AND ephemeral.expires_at <= ?`;

// A counter: one statement, so concurrent increments never lose one another. An expired entry
// restarts from `by` with a fresh expiry; a live one keeps its expiry (a fixed window). The value
// column is TEXT (STRICT), so the total is computed as an integer and stored back as text.
const INCREMENT = `INSERT INTO ephemeral (key, value, expires_at) VALUES (?1, ?2, ?3)
  ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN ephemeral.expires_at IS NOT NULL AND ephemeral.expires_at <= ?4 THEN excluded.value
      ELSE CAST(CAST(ephemeral.value AS INTEGER) + CAST(?5 AS INTEGER) AS TEXT) END,
    expires_at = CASE WHEN ephemeral.expires_at IS NOT NULL AND ephemeral.expires_at <= ?4
      THEN excluded.expires_at ELSE ephemeral.expires_at END
  RETURNING value`;

/** What `increment` accepts (as the MongoDB adapter): a whole, non-negative step and a positive lifetime. */
function checkIncrement(by: number, ttlSeconds: number): void {
  if (!Number.isSafeInteger(by) || by < 0) throw new StorageError(`invalid increment ${by}`);
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
    throw new StorageError(`invalid ttlSeconds ${ttlSeconds}`);
}

function expiresAt(now: number, ttlSeconds: number | null): number | null {
  if (ttlSeconds === null) return null;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0)
    throw new StorageError(`invalid ttlSeconds ${ttlSeconds}`);
  return now + Math.round(ttlSeconds * 1000);
}

/**
 * The first key after every key that starts with `prefix` (code-point order, as SQLite compares
 * UTF-8 text), so that a prefix scan is a primary-key range.
 */
export function prefixEnd(prefix: string): string | null {
  const points = Array.from(prefix); // code points, not grapheme clusters: SQLite orders by code point
  while (points.length > 0) {
    const last = points.pop()?.codePointAt(0) ?? 0;
    if (last < 0x10ffff) {
      const next = last === 0xd7ff ? 0xe000 : last + 1; // skip the surrogate block
      return points.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

/** Deletes expired entries; run from a timer, they are already invisible to every read. */
export function sweepExpired(sql: Sql): number {
  return sql.run('DELETE FROM ephemeral WHERE expires_at IS NOT NULL AND expires_at <= ?', Date.now());
}

// Constant text: SQL built per call is a new string to hash in the statement cache.
const GET = `SELECT value FROM ephemeral WHERE key = ? AND ${LIVE}`;
const CONSUME = `DELETE FROM ephemeral WHERE key = ? AND ${LIVE} RETURNING value`;
const KEYS_FROM = `SELECT key FROM ephemeral WHERE key >= ? AND ${LIVE} ORDER BY key`;
const KEYS_BETWEEN = `SELECT key FROM ephemeral WHERE key >= ? AND key < ? AND ${LIVE} ORDER BY key`;

export function createEphemeralStore(sql: Sql): EphemeralStore {
  return {
    put: async (key, value, ttlSeconds) => {
      const now = Date.now();
      sql.run(PUT, key, value, expiresAt(now, ttlSeconds));
    },
    putIfAbsent: async (key, value, ttlSeconds) => {
      const now = Date.now();
      return sql.run(PUT_IF_ABSENT, key, value, expiresAt(now, ttlSeconds), now) > 0;
    },
    get: async (key) => {
      const row = sql.get(GET, key, Date.now());
      return row ? text(row, 'value') : undefined;
    },
    // One statement: the row is read and deleted atomically, so a value is handed out at most once.
    consume: async (key) => {
      const row = sql.get(CONSUME, key, Date.now());
      return row ? text(row, 'value') : undefined;
    },
    delete: async (key) => {
      sql.run('DELETE FROM ephemeral WHERE key = ?', key);
    },
    increment: async (key, by, ttlSeconds) => {
      checkIncrement(by, ttlSeconds);
      const now = Date.now();
      const row = sql.get(INCREMENT, key, String(by), expiresAt(now, ttlSeconds), now, by);
      return Number(row ? text(row, 'value') : by);
    },
    keys: async (prefix) => {
      const end = prefixEnd(prefix);
      const rows =
        end === null
          ? sql.all(KEYS_FROM, prefix, Date.now())
          : sql.all(KEYS_BETWEEN, prefix, end, Date.now());
      return rows.map((row) => text(row, 'key'));
    },
  };
}
