/**
 * `npm run bench`, soak part: mixed SCIM traffic as identity providers send it, for
 * BENCH_SOAK_SECONDS (300 by default) on loopback, with the gateway's RSS read every 10 s.
 * Passes when the RSS levels off: the highest reading of the last third of the run is within
 * 10 MiB of the highest of the middle third (a leak of a few bytes per request grows by far more
 * over 100,000s of requests). Every answer must be 2xx. Bounded by the duration.
 *
 * The mix, per request: 30% PATCH active on random users (Okta's and Entra's deactivate and
 * reactivate), 15% PATCH a user's title, 15% filter by userName, 10% list page `count=100`, 10%
 * POST a new user, 10% DELETE a user this run created, 10% PATCH ±1 member of a 5,000-member group.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { RequestSpec } from 'autocannon';
import { openStorage } from '../src/storage/index.ts';
import { startServer } from './servers.ts';
import { seedTeam, seedTenant } from './seed.ts';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SAMPLE_MS = 10_000;
const LEVEL_MIB = 10;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustgate-soak-'));
  const storage = await openStorage({ driver: 'sqlite', file: join(dataDir, 'trustgate.db') });
  const t = await seedTenant(storage, 'soak', 10_000);
  const groupId = await seedTeam(storage, t, 'five-thousand', 5_000);
  await storage.close();
  const gw = await startServer('gateway', dataDir);
  try {
    const base = `/scim/v2/${t.slug}`;
    const created: string[] = [];
    let n = 0;
    const patch = (path: string, ops: unknown[]) => ({
      method: 'PATCH' as const,
      path,
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: ops }),
    });
    const pick = (): { method: RequestSpec['method']; path: string; body?: string } => {
      const k = n++;
      const roll = Math.random();
      const user = t.accountIds[6000 + Math.floor(Math.random() * 4000)] ?? '';
      if (roll < 0.3)
        return patch(`${base}/Users/${user}`, [{ op: 'replace', path: 'active', value: k % 2 === 0 }]);
      if (roll < 0.45)
        return patch(`${base}/Users/${user}`, [{ op: 'replace', path: 'title', value: `T${k}` }]);
      if (roll < 0.6) {
        const i = Math.floor(Math.random() * 10_000);
        const filter = encodeURIComponent(`userName eq "user${i}@${t.slug}.example"`);
        return { method: 'GET', path: `${base}/Users?filter=${filter}` };
      }
      if (roll < 0.7)
        return { method: 'GET', path: `${base}/Users?startIndex=${1 + (k % 50) * 100}&count=100` };
      if (roll < 0.8 || created.length === 0)
        return {
          method: 'POST',
          path: `${base}/Users`,
          body: JSON.stringify({
            schemas: [USER],
            userName: `soak${k}-${process.pid}@soak.example`,
            active: true,
          }),
        };
      if (roll < 0.9) return { method: 'DELETE', path: `${base}/Users/${created.shift() ?? ''}` };
      const member = t.accountIds[5000 + (k % 1000)] ?? '';
      return patch(
        `${base}/Groups/${groupId}`,
        k % 2 === 0
          ? [{ op: 'add', path: 'members', value: [{ value: member }] }]
          : [{ op: 'remove', path: `members[value eq "${member}"]` }],
      );
    };
    const headers = { authorization: `Bearer ${t.token}`, 'content-type': 'application/scim+json' };
    const rss: number[] = [gw.rssMiB()];
    const sampler = setInterval(() => rss.push(gw.rssMiB()), SAMPLE_MS);
    const result = await autocannon({
      url: gw.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          // Headers of its own for each request: autocannon writes Content-Length into the headers
          // object it is given, so a shared one would give a DELETE the length of an earlier POST.
          setupRequest: (req) => ({ ...req, ...pick(), headers: { ...headers } }),
          onResponse: (status, body) => {
            if (status === 201) created.push((JSON.parse(body) as { id: string }).id);
          },
        },
      ],
    });
    clearInterval(sampler);
    rss.push(gw.rssMiB());
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`soak: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const third = Math.max(1, Math.floor(rss.length / 3));
    const middle = Math.max(...rss.slice(third, 2 * third));
    const last = Math.max(...rss.slice(2 * third));
    const ok = last - middle <= LEVEL_MIB;
    console.log(
      `     soak: ${SECONDS} s mixed SCIM, ${result.requests.total} requests, ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms`,
    );
    console.log(
      `     gateway RSS every ${SAMPLE_MS / 1000} s (MiB): ${rss.map((r) => r.toFixed(0)).join(' ')}`,
    );
    console.log(
      `${ok ? 'ok  ' : 'MISS'} soak RSS levels off: highest of the last third ${last.toFixed(0)} MiB, of the middle third ${middle.toFixed(0)} MiB   target: within ${LEVEL_MIB} MiB`,
    );
  } finally {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
