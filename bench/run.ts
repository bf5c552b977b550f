/**
 * `npm run bench`: SCIM throughput as ratios to a bare Express 5 + helmet route measured in the
 * same run (issue 3, "Performance"), each server in its own process. Not part of `npm test`. Bounded: about
 * 9 scenarios × (BENCH_WARMUP + BENCH_ROUNDS × BENCH_DURATION) seconds plus seeding (~9 minutes by
 * default).
 * Quick run: `BENCH_DURATION=3 BENCH_ROUNDS=1 npm run bench`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { RequestSpec } from 'autocannon';
import { openStorage } from '../src/storage/index.ts';
import { startServer } from './servers.ts';
import type { ChildServer } from './servers.ts';
import { seedTeam, seedTenant } from './seed.ts';
import type { SeededTenant } from './seed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Unmeasured seconds before each scenario, so that the JIT and caches are warm for every one alike. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Figure {
  readonly rps: number;
  readonly p99: number;
  /** CPU microseconds the server process spent per request (all its threads, from /proc). */
  readonly cpuUs: number;
}

/** The servers by URL, so that a measurement can read its server's CPU time. */
const servers = new Map<string, ChildServer>();

async function measure(
  url: string,
  headers: Record<string, string>,
  requests: RequestSpec[],
): Promise<Figure> {
  const runs: Figure[] = [];
  if (WARMUP > 0) await autocannon({ url, connections: CONNECTIONS, duration: WARMUP, headers, requests });
  for (let i = 0; i < ROUNDS; i++) {
    const cpu = servers.get(url)?.cpuSeconds() ?? 0;
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers, requests });
    const used = (servers.get(url)?.cpuSeconds() ?? 0) - cpu;
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    runs.push({ rps: r.requests.average, p99: r.latency.p99, cpuUs: (used * 1e6) / r.requests.total });
  }
  // The median round: one noisy neighbour on a shared machine does not decide the figure.
  runs.sort((a, b) => a.rps - b.rps);
  return runs[Math.floor(runs.length / 2)];
}

function auth(tenant: SeededTenant): Record<string, string> {
  return {
    authorization: `Bearer ${tenant.token}`,
    'content-type': 'application/scim+json',
  };
}

async function check(
  url: string,
  tenant: SeededTenant,
  path: string,
  expect: (body: Record<string, unknown>) => boolean,
): Promise<void> {
  const res = await fetch(url + path, { headers: auth(tenant) });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200 || !expect(body))
    throw new Error(`wrong answer for ${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
}

const filterPath = (t: SeededTenant, i: number) =>
  `/scim/v2/${t.slug}/Users?filter=${encodeURIComponent(`userName eq "user${i}@${t.slug}.example"`)}`;
const listPath = (t: SeededTenant) => `/scim/v2/${t.slug}/Users?startIndex=1&count=100`;

async function readScenarios(
  url: string,
  t: SeededTenant,
  users: number,
): Promise<{ filter: Figure; list: Figure }> {
  const i = Math.floor(users / 2);
  await check(
    url,
    t,
    filterPath(t, i),
    (b) =>
      b.totalResults === 1 &&
      (b.Resources as { userName: string }[])[0]?.userName === `user${i}@${t.slug}.example`,
  );
  await check(
    url,
    t,
    listPath(t),
    (b) =>
      b.totalResults === users &&
      b.itemsPerPage === 100 &&
      (b.Resources as { groups?: unknown[] }[]).length === 100 &&
      // The seeded group holds the first accounts: every user of the first page lists it.
      (b.Resources as { groups?: unknown[] }[]).every((u) => u.groups?.length === 1),
  );
  const filter = await measure(url, auth(t), [{ method: 'GET', path: filterPath(t, i) }]);
  const list = await measure(url, auth(t), [{ method: 'GET', path: listPath(t) }]);
  return { filter, list };
}

async function writeScenarios(url: string, t: SeededTenant, groupId: string) {
  let n = 0;
  const post = await measure(url, auth(t), [
    {
      method: 'POST',
      path: `/scim/v2/${t.slug}/Users`,
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `new${n++}-${process.pid}@bench.example`,
          active: true,
        }),
      }),
    },
  ]);
  const userPath = `/scim/v2/${t.slug}/Users/${t.accountIds[7]}`;
  const patchUser = await measure(url, auth(t), [
    {
      method: 'PATCH',
      path: userPath,
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'title', value: `T${n++}` }],
        }),
      }),
    },
  ]);
  await checkDeactivation(url, t, t.accountIds[6000] ?? '');
  const patchActive = await measure(url, auth(t), [activeToggles(t)]);
  // ±1 member on the 5,000-member group: members beyond the first 5,000 come and go.
  const patchGroup = await measure(url, auth(t), [
    {
      method: 'PATCH',
      path: `/scim/v2/${t.slug}/Groups/${groupId}`,
      setupRequest: (req) => {
        const k = n++;
        const value = t.accountIds[5000 + (k % 1000)];
        const op =
          k % 2 === 0
            ? { op: 'add', path: 'members', value: [{ value }] }
            : { op: 'remove', path: `members[value eq "${value}"]` };
        return { ...req, body: JSON.stringify({ schemas: [PATCH_OP], Operations: [op] }) };
      },
    },
  ]);
  return { post, patchUser, patchActive, patchGroup };
}

/** A deactivation answers 200 with `active: false` (then the user is reactivated). */
async function checkDeactivation(url: string, t: SeededTenant, id: string): Promise<void> {
  for (const value of [false, true]) {
    const res = await fetch(`${url}/scim/v2/${t.slug}/Users/${id}`, {
      method: 'PATCH',
      headers: auth(t),
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value }] }),
    });
    const body = (await res.json()) as { active?: unknown };
    if (res.status !== 200 || body.active !== value)
      throw new Error(`PATCH active ${value}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}

/**
 * What Okta and Entra send to deactivate and reactivate: `replace active` on random users, each
 * user's value alternating (so every other request of a user is a deactivation, which revokes its
 * sessions). Users 6,000+ only: the other scenarios use the first ones.
 */
function activeToggles(t: SeededTenant): RequestSpec {
  const inactive = new Set<number>();
  const pool = t.accountIds.length - 6000;
  return {
    method: 'PATCH',
    setupRequest: (req) => {
      const i = 6000 + Math.floor(Math.random() * pool);
      const value = inactive.has(i);
      if (value) inactive.delete(i);
      else inactive.add(i);
      return {
        ...req,
        path: `/scim/v2/${t.slug}/Users/${t.accountIds[i]}`,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value }] }),
      };
    },
  };
}

/** Sequential 256-member adds to the 50,000-member group (members 50,000+ are new each time). */
async function bigGroupAdds(url: string, t: SeededTenant, groupId: string): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < 40; r++) {
    const value = t.accountIds.slice(50_000 + r * 256, 50_000 + (r + 1) * 256).map((id) => ({ value: id }));
    const started = performance.now();
    const res = await fetch(`${url}/scim/v2/${t.slug}/Groups/${groupId}`, {
      method: 'PATCH',
      headers: auth(t),
      body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value }] }),
    });
    times.push(performance.now() - started);
    if (res.status !== 204) throw new Error(`256-add: ${res.status} ${await res.text()}`);
  }
  const count = (await (
    await fetch(
      `${url}/scim/v2/${t.slug}/Groups?filter=${encodeURIComponent(`members[value eq "${t.accountIds[50_000]}"]`)}&excludedAttributes=members`,
      { headers: auth(t) },
    )
  ).json()) as { totalResults: number };
  if (count.totalResults !== 1) throw new Error('256-add did not land');
  times.sort((a, b) => a - b);
  return times[Math.ceil(times.length * 0.99) - 1];
}

const fmt = (f: Figure, bare: Figure) =>
  `${Math.round(f.rps).toString().padStart(6)} req/s  p99 ${String(f.p99).padStart(4)} ms  ${(f.rps / bare.rps).toFixed(3)}× bare  ${Math.round(f.cpuUs).toString().padStart(5)} µs CPU/req`;

const mark = (ok: boolean) => (ok ? 'ok  ' : 'MISS');

async function seed(dataDir: string) {
  const storage = await openStorage({ driver: 'sqlite', file: join(dataDir, 'trustgate.db') });
  try {
    const t1k = await seedTenant(storage, 'bench1k', 1_000);
    // Like the 100k tenant's first page, the 1k tenant's first page is in a group: same work per page.
    await seedTeam(storage, t1k, 'five-hundred', 500);
    const t10k = await seedTenant(storage, 'bench10k', 10_000);
    const group5k = await seedTeam(storage, t10k, 'five-thousand', 5_000);
    const started = performance.now();
    const t100k = await seedTenant(storage, 'bench100k', 100_000);
    const group50k = await seedTeam(storage, t100k, 'fifty-thousand', 50_000);
    console.log(
      `seeded 100,000 users and a 50,000-member group in ${Math.round(performance.now() - started)} ms`,
    );
    return { t1k, t10k, group5k, t100k, group50k };
  } finally {
    await storage.close();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustgate-bench-'));
  console.log(
    `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${CONNECTIONS} connections, ` +
      `${ROUNDS} × ${DURATION} s per scenario (median round); servers in their own processes`,
  );
  const { t1k, t10k, group5k, t100k, group50k } = await seed(dataDir);
  // One start and stop first fills Node's compile cache, as the image does when it is built (and a
  // restarted gateway has): the measured start then skips the TypeScript stripper, as in production.
  await (await startServer('gateway', dataDir)).stop();
  const bare = await startServer('bare');
  const gw = await startServer('gateway', dataDir);
  servers.set(bare.url, bare).set(gw.url, gw);
  try {
    const idleRss = gw.rssMiB();
    // The gateway's RSS after each group of scenarios, to see which one grows it.
    const trail: string[] = [];
    const noteRss = (after: string) => {
      const { anon, file } = gw.rssParts();
      trail.push(`${after} ${(anon + file).toFixed(0)} (anon ${anon.toFixed(0)})`);
    };
    const ceiling = await measure(bare.url, {}, [{ method: 'GET', path: '/ping' }]);
    console.log(`bare express+helmet   ${fmt(ceiling, ceiling)}`);
    const at10k = await readScenarios(gw.url, t10k, 10_000);
    const r = (f: Figure) => f.rps / ceiling.rps;
    console.log(
      `${mark(r(at10k.filter) >= 0.4)} filter userName (10k) ${fmt(at10k.filter, ceiling)}   target ≥ 0.4`,
    );
    console.log(
      `${mark(r(at10k.list) >= 0.08)} list count=100 (10k)  ${fmt(at10k.list, ceiling)}   target ≥ 0.08`,
    );
    noteRss('reads 10k');
    const writes = await writeScenarios(gw.url, t10k, group5k);
    noteRss('writes 10k');
    console.log(
      `${mark(r(writes.post) >= 0.35)} POST user (10k)       ${fmt(writes.post, ceiling)}   target ≥ 0.35`,
    );
    console.log(
      `${mark(r(writes.patchUser) >= 0.25)} PATCH user (10k)      ${fmt(writes.patchUser, ceiling)}   target ≥ 0.25`,
    );
    console.log(
      `${mark(r(writes.patchActive) >= 0.35)} PATCH active (10k)    ${fmt(writes.patchActive, ceiling)}   target ≥ 0.35`,
    );
    console.log(
      `${mark(r(writes.patchGroup) >= 0.35)} PATCH group ±1 (5k)   ${fmt(writes.patchGroup, ceiling)}   target ≥ 0.35`,
    );
    const at1k = await readScenarios(gw.url, t1k, 1_000);
    noteRss('reads 1k');
    const at100k = await readScenarios(gw.url, t100k, 100_000);
    noteRss('reads 100k');
    const filterScale = at100k.filter.rps / at1k.filter.rps;
    const listScale = at100k.list.rps / at1k.list.rps;
    console.log(`${mark(filterScale >= 0.9)} filter 1k   ${fmt(at1k.filter, ceiling)}`);
    console.log(
      `     filter 100k ${fmt(at100k.filter, ceiling)}   100k/1k = ${filterScale.toFixed(3)}  target ≥ 0.9`,
    );
    console.log(`${mark(listScale >= 0.9)} list 1k     ${fmt(at1k.list, ceiling)}`);
    console.log(
      `     list 100k   ${fmt(at100k.list, ceiling)}   100k/1k = ${listScale.toFixed(3)}  target ≥ 0.9`,
    );
    const p99 = await bigGroupAdds(gw.url, t100k, group50k);
    console.log(
      `${mark(p99 < 50)} 256-member add to the 50,000-member group: p99 ${p99.toFixed(1)} ms (40 requests)   target < 50 ms`,
    );
    noteRss('256-member adds');
    const rss = gw.rssMiB();
    console.log(`     gateway RSS at start, 100,000 users in the store: ${idleRss.toFixed(0)} MiB`);
    console.log(`     gateway RSS (MiB) after: ${trail.join(', ')}`);
    console.log(
      `${mark(rss < 200)} gateway RSS after all scenarios (100,000 users): ${rss.toFixed(0)} MiB   target < 200 MiB`,
    );
  } finally {
    await bare.stop();
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
