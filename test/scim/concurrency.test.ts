import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUP, PATCH_OP, scimClient, startTestApp, userBody } from './helpers.ts';
import type { Scim, TestApp } from './helpers.ts';

/**
 * Many writes at once, as an IdP's provisioning burst sends them, on a SQLite file: they share
 * commits (group commit), yet each succeeds or fails on its own, with its own audit event.
 */
describe('SCIM: a burst of concurrent writes', () => {
  let app: TestApp;
  let scim: Scim;
  let dir = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-burst-'));
    app = await startTestApp({}, { storageFile: join(dir, 'burst.db') });
    scim = await scimClient(app, 'burst');
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each write answers for itself; what succeeded is stored with its audit event, nothing else', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `user${i % 25}@burst.example`); // 5 repeats
    const created = await Promise.all(names.map((name) => scim.post('/Users', userBody(name))));
    const statuses = created.map((res) => res.status).sort();
    assert.deepEqual(statuses, [...Array(25).fill(201), ...Array(5).fill(409)]);
    for (const res of created.filter((r) => r.status === 409)) assert.equal(res.body.scimType, 'uniqueness');

    const ids = created.filter((r) => r.status === 201).map((r) => r.body.id as string);
    const group = (await scim.post('/Groups', { schemas: [GROUP], displayName: 'Burst' })).body;
    // Concurrent membership adds and a PATCH that must fail (a member from nowhere) in the same burst.
    const patches = await Promise.all([
      ...ids.map((value) =>
        scim.patch(`/Groups/${group.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value }] }],
        }),
      ),
      scim.patch(`/Groups/${group.id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'add', path: 'members', value: [{ value: '01900000-0000-7000-8000-000000000000' }] },
        ],
      }),
    ]);
    assert.deepEqual(
      patches.map((res) => res.status),
      [...ids.map(() => 204), 400],
    );

    const list = await scim.get('/Users?count=0');
    assert.equal(list.body.totalResults, 25);
    const members = (await scim.get(`/Groups/${group.id}`)).body.members as { value: string }[];
    assert.deepEqual(members.map((m) => m.value).sort(), [...ids].sort());
    const tenant = await app.container.storage.tenants.getBySlug('burst');
    assert.ok(tenant);
    const events = await app.container.storage.audit.list(tenant.id, null, 1000);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    assert.equal(count('account.created'), 25);
    assert.equal(count('team.member_added'), 25);
  });
});
