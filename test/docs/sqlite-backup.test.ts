/**
 * docs/operations.md, "Backups and restore": an online backup of the SQLite file (node:sqlite's
 * `backup()`, SQLite's backup API, as `sqlite3 .backup` uses) taken while SCIM writes are under
 * way restores to a working gateway, with every provisioned account and its audit event together.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import request from 'supertest';
import { startTestApp } from '../support/app.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('docs/operations.md: SQLite backup under write load', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-backup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('restores a backup taken during SCIM writes to a gateway that serves it', async () => {
    const live = join(dir, 'trustgate.db');
    const copy = join(dir, 'backup.db');
    const app = await startTestApp({}, { storageFile: live });
    const { slug, scimToken } = await app.tenant('backup-co');
    const scim = `Bearer ${scimToken}`;

    // Writers: four concurrent streams of SCIM creates, bounded in count.
    let stop = false;
    let created = 0;
    const writer = async (stream: number) => {
      for (let i = 0; i < 150 && !stop; i++) {
        const res = await request(app.app)
          .post(`/scim/v2/${slug}/Users`)
          .set('Authorization', scim)
          .set('Content-Type', 'application/scim+json')
          .send({ schemas: [USER], userName: `u${stream}-${i}@backup.example` });
        assert.equal(res.status, 201);
        created++;
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (created < 40) await new Promise((resolve) => setTimeout(resolve, 5));

    // The online backup, from a connection of its own while the writers go on.
    const source = new DatabaseSync(live, { readOnly: true });
    // In one step (a rate above the page count): one read snapshot, while the WAL takes the writers' commits.
    const pages = await backup(source, copy, { rate: 1_000_000 });
    source.close();
    const atBackup = created;
    stop = true;
    await Promise.all(writers);
    await app.close();
    assert.ok(pages > 0);
    assert.ok(created > atBackup, 'writes went on after the backup started');

    // A gateway on the restored file: the tenant, its token, and a consistent directory.
    const restored = await startTestApp({}, { storageFile: copy });
    try {
      const list = await request(restored.app)
        .get(`/scim/v2/${slug}/Users?count=1`)
        .set('Authorization', scim)
        .expect(200);
      const users = (list.body as { totalResults: number }).totalResults;
      assert.ok(users >= 40 && users <= created, `restored ${users} of ${created} users`);

      let provisioned = 0;
      for (let after: string | null = ''; after !== null;) {
        const page = await request(restored.app)
          .get(`/admin/tenants/${slug}/audit?limit=500${after ? `&after=${after}` : ''}`)
          .set('Authorization', restored.operator)
          .expect(200);
        const body = page.body as { data: { type: string }[]; nextCursor: string | null };
        provisioned += body.data.filter((event) => event.type === 'account.created').length;
        after = body.nextCursor;
      }
      assert.equal(provisioned, users, 'each restored account has its audit event, and no more');

      await request(restored.app)
        .post(`/scim/v2/${slug}/Users`)
        .set('Authorization', scim)
        .set('Content-Type', 'application/scim+json')
        .send({ schemas: [USER], userName: 'after-restore@backup.example' })
        .expect(201);
    } finally {
      await restored.close();
    }
  });
});
