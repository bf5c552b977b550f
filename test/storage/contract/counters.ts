import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Storage } from '../../../src/storage/ports.ts';
import { StorageError } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { useStorage } from './helpers.ts';

/** Lets `seconds` pass for the store's expiry: the wall clock by default, a fake clock for the fake. */
export type Wait = (storage: Storage, seconds: number) => Promise<void>;

const wallClock: Wait = (_storage, seconds) => sleep(seconds * 1000);

/**
 * `EphemeralStore.increment`: the shared counters of the rate limits
 * (docs/decisions/0090-rate-limits.md). Run by every adapter and by the fake.
 */
export function countersContract(open: Open, wait: Wait = wallClock): void {
  describe('ephemeral counters', () => {
    const storage = useStorage(open);

    it('increment starts a counter at its step, adds, reads with 0 and through get', async () => {
      const e = storage().ephemeral;
      assert.equal(await e.increment('rl:a', 3, 60), 3);
      assert.equal(await e.increment('rl:a', 1, 60), 4);
      assert.equal(await e.increment('rl:a', 0, 60), 4, 'a step of 0 reads the total');
      assert.equal(await e.increment('rl:b', 0, 60), 0, 'a missing counter reads as 0');
      assert.equal(await e.get('rl:a'), '4');
      assert.equal(await e.increment('rl:b', 2, 60), 2, 'counters are independent');
      assert.deepEqual(await e.keys('rl:'), ['rl:a', 'rl:b']);
    });

    it('increment never loses a concurrent step and hands each caller its own total', async () => {
      const e = storage().ephemeral;
      const totals = await Promise.all(Array.from({ length: 40 }, () => e.increment('rl:race', 1, 60)));
      assert.deepEqual(
        [...totals].sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(await e.increment('rl:race', 5, 60), 45);
    });

    it('increment restarts an expired counter, and later steps keep the first expiry', async () => {
      const e = storage().ephemeral;
      assert.equal(await e.increment('rl:window', 5, 1), 5);
      await wait(storage(), 0.6);
      assert.equal(await e.increment('rl:window', 1, 1), 6, 'still the same window');
      await wait(storage(), 0.6);
      assert.equal(await e.get('rl:window'), undefined, 'expired a second after the first step');
      assert.equal(await e.increment('rl:window', 2, 1), 2, 'a fresh window');
    });

    it('increment refuses a negative or fractional step and a lifetime that is not positive', async () => {
      const e = storage().ephemeral;
      for (const [by, ttl] of [
        [-1, 60],
        [1.5, 60],
        [Number.NaN, 60],
        [1, 0],
        [1, -5],
      ] as const)
        await assert.rejects(e.increment('rl:bad', by, ttl), StorageError, `${by}/${ttl}`);
      assert.equal(await e.get('rl:bad'), undefined);
    });
  });
}
