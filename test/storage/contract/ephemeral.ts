import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Open } from './helpers.ts';
import { useStorage } from './helpers.ts';

export function ephemeralContract(open: Open): void {
  describe('ephemeral', () => {
    const storage = useStorage(open);

    it('puts, overwrites, reads and deletes', async () => {
      const e = storage().ephemeral;
      await e.put('state:1', 'v1', 60);
      assert.equal(await e.get('state:1'), 'v1');
      await e.put('state:1', 'v2', null);
      assert.equal(await e.get('state:1'), 'v2');
      await e.delete('state:1');
      assert.equal(await e.get('state:1'), undefined);
      await e.delete('state:1'); // deleting nothing is fine
    });

    it('putIfAbsent refuses a live entry (replay detection)', async () => {
      const e = storage().ephemeral;
      assert.equal(await e.putIfAbsent('assertion:abc', 'first', 60), true);
      assert.equal(await e.putIfAbsent('assertion:abc', 'second', 60), false);
      assert.equal(await e.get('assertion:abc'), 'first');
    });

    it('hands a value out once, even to concurrent consumers', async () => {
      const e = storage().ephemeral;
      await e.put('code:1', 'secret', 60);
      const results = await Promise.all([e.consume('code:1'), e.consume('code:1'), e.consume('code:1')]);
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        ['secret'],
      );
      assert.equal(await e.get('code:1'), undefined);
      assert.equal(await e.consume('missing'), undefined);
    });

    it('lists live keys by prefix', async () => {
      const e = storage().ephemeral;
      for (const key of ['grant:acc1:a', 'grant:acc1:b', 'grant:acc10:c', 'grant:acc2:d', 'grant;x', 'grans'])
        await e.put(key, '1', 60);
      assert.deepEqual(await e.keys('grant:acc1:'), ['grant:acc1:a', 'grant:acc1:b']);
      assert.deepEqual(
        await e.keys('grant:'),
        ['grant:acc10:c', 'grant:acc1:a', 'grant:acc1:b', 'grant:acc2:d'],
        'in key order',
      );
      assert.deepEqual(await e.keys('nothing'), []);
    });

    it('hides expired entries at once and keeps entries without a ttl', async () => {
      const e = storage().ephemeral;
      await e.put('short', 'x', 1);
      await e.put('short:2', 'x', 1);
      assert.equal(await e.putIfAbsent('replay', 'x', 1), true);
      await e.put('forever', 'y', null);
      await e.put('long', 'z', 3600);
      await sleep(1100);
      assert.equal(await e.get('short'), undefined);
      assert.equal(await e.consume('short:2'), undefined);
      assert.deepEqual(await e.keys('short'), []);
      assert.equal(await e.putIfAbsent('replay', 'again', 60), true, 'an expired entry counts as absent');
      assert.equal(await e.get('replay'), 'again');
      assert.equal(await e.get('forever'), 'y');
      assert.equal(await e.consume('long'), 'z');
    });
  });
}
