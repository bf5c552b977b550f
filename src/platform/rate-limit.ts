/**
 * Rate limits and failed-authentication lockout over counters several gateway instances share
 * (the store's ephemeral counters), as docs/decisions/0090-rate-limits.md decides:
 *
 * - Request limits count in fixed one-minute windows. A request is decided in memory on the
 *   store's total at the last sync plus what this instance counted since; every second the
 *   counted deltas go to the store in one batch, which answers the new totals. No request waits
 *   for the store, and no request writes to it.
 * - Failed authentications are rare and an attacker's: each is counted in the store at once.
 *   Every `failures`-th in a window locks the key for `baseSeconds`, doubling with each lockout
 *   of the same key within an hour up to `maxSeconds`. The lock is checked before any credential
 *   is looked at, from a copy of the store's answer at most a second old.
 *
 * Domain-free: keys and limits come from the surfaces (SCIM, admin).
 */
import type { Logger } from './logger.ts';
import type { RateLimitMetrics, RateLimitSurface } from './metrics.ts';
import { RateLimited } from './errors.ts';

/** What the limits need of the store (EphemeralStore has it). */
export interface SharedCounters {
  increment(key: string, by: number, ttlSeconds: number): Promise<number>;
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlSeconds: number | null): Promise<void>;
}

export const WINDOW_SECONDS = 60;
const WINDOW_MS = WINDOW_SECONDS * 1000;
/** How often local counts go to the store, and how old a lock's copy may be. */
export const SYNC_MS = 1000;
/** Lockouts of one key within this long double the next one. */
const STRIKE_MEMORY_SECONDS = 3600;
/** Bound on the in-memory copies of locks (cleared when full, as the auth cache is). */
const LOCK_CACHE_MAX = 10_000;

export interface LockoutPolicy {
  /** Failed authentications per key and window that start a lockout; 0 turns lockout off. */
  readonly failures: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export interface RateLimitOptions {
  readonly counters: SharedCounters;
  readonly lockout: LockoutPolicy;
  readonly log: Logger;
  readonly metrics: RateLimitMetrics;
  /** Milliseconds since the epoch (tests move it). */
  readonly clock?: () => number;
}

/** The limits of one surface; `scope` keeps keys of one tenant apart from another's. */
export interface SurfaceLimits {
  /** Before the credential is looked at: RateLimited while `address` is locked out in `scope`. */
  checkLockout(address: string, scope: string): Promise<void>;
  /** A presented credential was refused: counted in the store at once, maybe starting a lockout. */
  failed(address: string, scope: string): Promise<void>;
  /**
   * One authenticated request: counts it against the token and the address unless either is at
   * its per-minute limit (0 = no limit), then throws RateLimited without counting.
   */
  admit(token: string, tokenLimit: number, address: string, addressLimit: number): void;
}

export interface RateLimits {
  readonly scim: SurfaceLimits;
  readonly admin: SurfaceLimits;
  /** Sends the counted deltas to the store and takes back the totals (also on a timer). */
  flush(): Promise<void>;
  start(): void;
  /** Stops the timer and flushes what is left. */
  close(): Promise<void>;
}

interface Slot {
  readonly storeKey: string;
  readonly window: number;
  /** The store's total at the last sync (which includes what this instance flushed). */
  synced: number;
  /** Counted here since, not yet sent. */
  pending: number;
  /** Sent, not yet answered. */
  sending: number;
}

export function createRateLimits(options: RateLimitOptions): RateLimits {
  const { counters, log, metrics, lockout } = options;
  const clock = options.clock ?? Date.now;
  const slots = new Map<string, Slot>();
  let flushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failingSince: number | null = null;

  /** Counts one request of `key` in the current window (the decision was `over`'s). */
  function count(key: string, now: number): void {
    const window = Math.floor(now / WINDOW_MS);
    const id = `${key}:${window}`;
    let slot = slots.get(id);
    if (!slot) {
      slot = { storeKey: `rl:${id}`, window, synced: 0, pending: 0, sending: 0 };
      slots.set(id, slot);
      prime(slot);
    }
    slot.pending += 1;
  }

  const priming = new Set<Promise<void>>();

  /**
   * A key's first request in a window here reads what other instances counted (one read per key
   * and minute, off the request path), so a new instance does not start from zero.
   */
  function prime(slot: Slot): void {
    const read = counters
      .get(slot.storeKey)
      .then((value) => {
        slot.synced = Math.max(slot.synced, Number(value ?? 0) || 0);
      })
      .catch(() => undefined) // the next sync answers the total anyway
      .finally(() => priming.delete(read));
    priming.add(read);
  }

  async function sync(): Promise<void> {
    const current = Math.floor(clock() / WINDOW_MS);
    const batch = [...slots.values()].filter((slot) => slot.pending > 0);
    // Keys of this window with nothing new here still learn what the other instances counted.
    for (const slot of slots.values()) if (slot.pending === 0 && slot.window === current) prime(slot);
    await Promise.all(priming);
    for (const slot of batch) {
      slot.sending = slot.pending;
      slot.pending = 0;
    }
    let failed: unknown;
    await Promise.all(
      batch.map(async (slot) => {
        try {
          // Two windows: a counter outlives its window long enough for every instance's last flush.
          const total = await counters.increment(slot.storeKey, slot.sending, 2 * WINDOW_SECONDS);
          slot.synced = Math.max(slot.synced, total);
        } catch (err) {
          slot.pending += slot.sending; // retried by the next sync; decisions stay local meanwhile
          failed = err;
        } finally {
          slot.sending = 0;
        }
      }),
    );
    for (const [id, slot] of slots) if (slot.window < current && slot.pending === 0) slots.delete(id);
    if (failed === undefined) failingSince = null;
    else if (failingSince === null) {
      failingSince = clock();
      log.warn({ err: failed }, 'rate limit counters could not be synced to the store; counting locally');
    }
  }

  const flush = (): Promise<void> => {
    flushing ??= sync().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };

  const locks = new Map<string, { until: number; checkedAt: number }>();

  async function lockedUntil(key: string, now: number): Promise<number> {
    const cached = locks.get(key);
    if (cached && now - cached.checkedAt < SYNC_MS) return cached.until;
    let until = 0;
    try {
      until = Number((await counters.get(`rl:lock:${key}`)) ?? 0) || 0;
    } catch (err) {
      // Fail open: the authentication that follows meets the same store and answers for itself.
      log.warn({ err }, 'lockout state could not be read');
    }
    if (locks.size >= LOCK_CACHE_MAX) locks.clear();
    locks.set(key, { until, checkedAt: now });
    return until;
  }

  async function startLock(surface: RateLimitSurface, key: string, now: number): Promise<void> {
    const strikes = await counters.increment(`rl:strikes:${key}`, 1, STRIKE_MEMORY_SECONDS);
    const seconds = Math.min(lockout.baseSeconds * 2 ** Math.min(strikes - 1, 30), lockout.maxSeconds);
    const until = now + seconds * 1000;
    await counters.put(`rl:lock:${key}`, String(until), seconds + WINDOW_SECONDS);
    locks.set(key, { until, checkedAt: now });
    metrics.lockedOut(surface);
    // The key holds the address: an operator needs it, and it is not a secret.
    log.warn({ surface, key, seconds, strikes }, 'client locked out after failed authentications');
  }

  function surface(name: RateLimitSurface): SurfaceLimits {
    const refuse = (reason: 'token' | 'address' | 'lockout', seconds: number, message: string) => {
      metrics.refused(name, reason);
      return new RateLimited(reason, seconds, message);
    };
    return {
      async checkLockout(address, scope) {
        if (lockout.failures <= 0) return;
        const now = clock();
        const until = await lockedUntil(`${name}:${scope}:${address}`, now);
        if (until > now)
          throw refuse(
            'lockout',
            (until - now) / 1000,
            'too many failed authentications from this address; retry later',
          );
      },
      async failed(address, scope) {
        if (lockout.failures <= 0) return;
        const key = `${name}:${scope}:${address}`;
        const now = clock();
        try {
          const window = Math.floor(now / WINDOW_MS);
          const total = await counters.increment(`rl:fail:${key}:${window}`, 1, 2 * WINDOW_SECONDS);
          if (total % lockout.failures === 0) await startLock(name, key, now);
        } catch (err) {
          log.warn({ err }, 'a failed authentication could not be counted');
        }
      },
      admit(token, tokenLimit, address, addressLimit) {
        const now = clock();
        // Check both before counting either, so a refused request counts nowhere.
        const byToken = tokenLimit > 0 ? over(`${name}:token:${token}`, tokenLimit, now) : 0;
        if (byToken > 0) throw refuse('token', byToken, 'rate limit exceeded for this token; retry later');
        const byAddress = addressLimit > 0 ? over(`${name}:addr:${address}`, addressLimit, now) : 0;
        if (byAddress > 0)
          throw refuse('address', byAddress, 'rate limit exceeded for this client address; retry later');
        if (tokenLimit > 0) count(`${name}:token:${token}`, now);
        if (addressLimit > 0) count(`${name}:addr:${address}`, now);
      },
    };
  }

  /** Seconds to wait when `key` is at `limit` in the current window, else 0 (counts nothing). */
  function over(key: string, limit: number, now: number): number {
    const window = Math.floor(now / WINDOW_MS);
    const slot = slots.get(`${key}:${window}`);
    if (!slot || slot.synced + slot.pending + slot.sending < limit) return 0;
    return ((window + 1) * WINDOW_MS - now) / 1000;
  }

  return {
    scim: surface('scim'),
    admin: surface('admin'),
    flush,
    start() {
      timer ??= setInterval(() => void flush(), SYNC_MS);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
