import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUP, PATCH_OP, USER, startTestApp, userBody } from './helpers.ts';
import type { TestApp } from './helpers.ts';

/**
 * Concurrency on a SQLite file, over real sockets: many requests in flight at once, from two
 * tenants, racing for the same names, members and versions (beyond the burst in
 * concurrency.test.ts).
 */
describe('SCIM: concurrent writes from two tenants, races on names, members and versions', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: Server;
  let base = '';
  let dir = '';
  const tokens: Record<string, string> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-race-'));
    t = await startTestApp({}, { storageFile: join(dir, 'race.db') });
    for (const slug of ['north', 'south']) tokens[slug] = (await t.tenant(slug)).scimToken;
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM JSON, read by the assertions
  type Answer = { status: number; etag: string | undefined; body: Record<string, any> };

  // Keep-alive sockets, many in flight at once, as an IdP's provisioning client holds them.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });

  function scim(
    slug: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        `${base}/scim/v2/${slug}${path}`,
        {
          method,
          agent,
          headers: {
            authorization: `Bearer ${tokens[slug] ?? ''}`,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              etag: res.headers.etag,
              body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function allUserNames(slug: string): Promise<string[]> {
    const names: string[] = [];
    for (let start = 1; ; start += 500) {
      const page = await scim(slug, 'GET', `/Users?startIndex=${start}&count=500&attributes=userName`);
      assert.equal(page.status, 200);
      const resources = page.body.Resources as { userName: string }[];
      names.push(...resources.map((r) => r.userName));
      if (resources.length < 500) return names;
    }
  }

  it('2,000 interleaved creates for two tenants land each under its own tenant, with its audit event', async () => {
    const slugs = ['north', 'south'] as const;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => {
        const slug = slugs[i % 2] ?? 'north';
        return scim(slug, 'POST', '/Users', userBody(`${slug}-${i}@race.example`)).then((res) => ({
          slug,
          res,
        }));
      }),
    );
    assert.ok(Date.now() - started < 60_000);
    assert.deepEqual(
      [...new Set(results.map((r) => r.res.status))],
      [201],
      JSON.stringify(results.find((r) => r.res.status !== 201)?.res.body),
    );
    for (const slug of slugs) {
      const names = await allUserNames(slug);
      assert.equal(names.length, 1000, slug);
      assert.ok(
        names.every((n) => n.startsWith(`${slug}-`)),
        `${slug} holds only its own users`,
      );
      const tenant = await t.container.storage.tenants.getBySlug(slug);
      const events = await t.container.storage.audit.list(tenant!.id, null, 5000);
      assert.equal(events.filter((e) => e.type === 'account.created').length, 1000);
    }
    // An id of one tenant is unknown to the other.
    for (const { slug, res } of results.slice(0, 50)) {
      const other = slug === 'north' ? 'south' : 'north';
      assert.equal((await scim(other, 'GET', `/Users/${res.body.id as string}`)).status, 404);
    }
  });

  it('64 parallel PATCHes adding distinct members to one team: all 64 present, one event each', async () => {
    const users = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        scim('north', 'POST', '/Users', userBody(`member-${i}@race.example`)),
      ),
    );
    const ids = users.map((u) => u.body.id as string);
    const team = await scim('north', 'POST', '/Groups', { schemas: [GROUP], displayName: 'Sixty-four' });
    assert.equal(team.status, 201);
    const patches = await Promise.all(
      ids.map((value) =>
        scim('north', 'PATCH', `/Groups/${team.body.id as string}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value: [{ value }] }],
        }),
      ),
    );
    assert.deepEqual([...new Set(patches.map((p) => p.status))], [204]);
    const members = (await scim('north', 'GET', `/Groups/${team.body.id as string}`)).body.members as {
      value: string;
    }[];
    assert.deepEqual(members.map((m) => m.value).sort(), [...ids].sort());
    const tenant = await t.container.storage.tenants.getBySlug('north');
    const events = await t.container.storage.audit.list(tenant!.id, null, 10_000);
    const added = events.filter((e) => e.type === 'team.member_added' && e.target?.id === team.body.id);
    assert.equal(added.length, 64);
  });

  it('32 parallel POSTs of one userName, differently cased: one 201, 31 × 409 uniqueness', async () => {
    const name = 'Casey.Jones@Race.Example';
    const variants = Array.from({ length: 32 }, (_, i) =>
      Array.from(name)
        .map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c.toLowerCase()))
        .join(''),
    );
    const results = await Promise.all(
      variants.map((v) => scim('south', 'POST', '/Users', { schemas: [USER], userName: v })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array(31).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) assert.equal(r.body.scimType, 'uniqueness');
    const found = await scim(
      'south',
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${name.toLowerCase()}"`)}`,
    );
    assert.equal(found.body.totalResults, 1);
  });

  it('concurrent PUTs with the same If-Match: one wins, the others are 412, none is lost half-way', async () => {
    const created = await scim('south', 'POST', '/Users', userBody('etag@race.example'));
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const etag = created.etag ?? '';
    assert.ok(etag);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        scim('south', 'PUT', `/Users/${id}`, userBody('etag@race.example', { displayName: `writer ${i}` }), {
          'if-match': etag,
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(15).fill(412)]);
    const winner = results.find((r) => r.status === 200);
    const now = await scim('south', 'GET', `/Users/${id}`);
    assert.equal(now.body.displayName, winner?.body.displayName);
    assert.notEqual(now.etag, etag);
    // The stale version stays stale for PATCH too.
    const late = await scim(
      'south',
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'late' }] },
      { 'if-match': etag },
    );
    assert.equal(late.status, 412);
    assert.equal((await scim('south', 'GET', `/Users/${id}`)).body.displayName, winner?.body.displayName);
  });
});
