import assert from 'node:assert/strict';
import { createUiSessions } from '../../src/admin/ui/sessions.ts';
import type { UiPrincipal } from '../../src/admin/ui/sessions.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import type { Storage } from '../../src/storage/ports.ts';

const OPERATOR: UiPrincipal = { kind: 'operator', keyFingerprint: 'f' };

describe('admin page sessions', () => {
  let storage: Storage;
  let clock = Date.now();
  const sessions = () =>
    createUiSessions({
      ephemeral: storage.ephemeral,
      idleSeconds: 600,
      absoluteSeconds: 3600,
      now: () => clock,
    });

  beforeEach(async () => {
    storage = await createSqliteStorage(':memory:');
    clock = Date.now();
  });
  afterEach(() => storage.close());

  it('stores only the hash of the id, and finds the session by the id', async () => {
    const s = sessions();
    const { id, session } = await s.start(OPERATOR);
    assert.match(id, /^[\w-]{43}$/);
    const keys = await storage.ephemeral.keys('ui:session:');
    assert.deepEqual(keys, [session.key]);
    assert.ok(!session.key.includes(id));
    assert.deepEqual((await s.load(id))?.principal, OPERATOR);
    assert.equal(await s.load(`${id.slice(0, -1)}x`), undefined);
    assert.equal(await s.load('not an id'), undefined);
  });

  it('ends after the idle time without requests, and activity keeps it alive', async () => {
    const s = sessions();
    const { id } = await s.start(OPERATOR);
    clock += 590_000;
    assert.ok(await s.load(id), 'within the idle window');
    clock += 590_000;
    assert.ok(await s.load(id), 'the previous request renewed it');
    clock += 601_000;
    assert.equal(await s.load(id), undefined);
  });

  it('ends at the absolute limit however active', async () => {
    const s = sessions();
    const { id } = await s.start(OPERATOR);
    for (let i = 0; i < 6; i += 1) {
      clock += 590_000;
      assert.ok(await s.load(id), `request ${i}`);
    }
    clock += 100_000; // 3640 s after sign-in
    assert.equal(await s.load(id), undefined);
  });

  it('ends at sign-out', async () => {
    const s = sessions();
    const { id, session } = await s.start(OPERATOR);
    await s.end(session);
    assert.equal(await s.load(id), undefined);
  });
});
