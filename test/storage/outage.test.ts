import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const SCIM = 'application/scim+json';

/** `chattr +i` makes a file refuse writes even through descriptors already open (ext4, xfs, btrfs). */
function immutable(files: string[], on: boolean): void {
  execFileSync('chattr', [on ? '+i' : '-i', ...files.filter((f) => existsSync(f))], { stdio: 'ignore' });
}

function chattrWorks(dir: string): boolean {
  const probe = join(dir, 'probe');
  try {
    execFileSync('touch', [probe]);
    immutable([probe], true);
    immutable([probe], false);
    return true;
  } catch {
    return false;
  }
}

describe('store outage (SQLite file unwritable mid-run)', function () {
  let t: TestApp;
  let dir: string;
  let file: string;
  let scim: (path: string) => string;
  let token: string;

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-outage-'));
    if (!chattrWorks(dir)) {
      console.log('      skipped: chattr +i is not supported on this file system');
      this.skip();
    }
    file = join(dir, 'store.db');
    t = await startTestApp({}, { storageFile: file });
    ({ scimToken: token } = await t.tenant('acme'));
    scim = (path) => `/scim/v2/acme${path}`;
  });
  after(async () => {
    if (file) immutable([file, `${file}-wal`], false);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const createUser = (userName: string) =>
    request(t.app)
      .post(scim('/Users'))
      .set('Authorization', `Bearer ${token}`)
      .type(SCIM)
      .send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });

  it('answers 503 with Retry-After on every surface, fails /readyz, keeps /healthz, and resumes by itself', async () => {
    assert.equal((await createUser('before@acme.com')).status, 201);
    assert.equal((await request(t.app).get('/readyz')).status, 200);

    immutable([file, `${file}-wal`], true);
    try {
      const refused = await createUser('during@acme.com');
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers['retry-after'], '5');
      assert.deepEqual(refused.body, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '503',
        detail: 'the service is unavailable, retry later',
      });
      const admin = await request(t.app)
        .post('/admin/tenants')
        .set('Authorization', t.operator)
        .send({ slug: 'during', name: 'During' });
      assert.equal(admin.status, 503, admin.text);
      assert.equal(admin.headers['retry-after'], '5');
      assert.equal((admin.body as { error: { code: string } }).error.code, 'storage_unavailable');
      assert.equal((await request(t.app).get('/readyz')).status, 503);
      assert.equal((await request(t.app).get('/healthz')).status, 200);
      // Reads still answer from the file.
      const list = await request(t.app).get(scim('/Users')).set('Authorization', `Bearer ${token}`);
      assert.equal(list.status, 200);
    } finally {
      immutable([file, `${file}-wal`], false);
    }

    assert.equal((await request(t.app).get('/readyz')).status, 200);
    assert.equal((await createUser('after@acme.com')).status, 201);
    const users = await request(t.app)
      .get(scim('/Users'))
      .set('Authorization', `Bearer ${token}`)
      .query({ attributes: 'userName' });
    const names = (users.body as { Resources: { userName: string }[] }).Resources.map((u) => u.userName);
    assert.deepEqual(names.sort(), ['after@acme.com', 'before@acme.com']);
  });
});
