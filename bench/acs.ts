/**
 * `npm run bench`, SAML part: the assertion consumer through the whole HTTP path (form parsing,
 * our prechecks, node-saml, replay cache, account linking, audit event, hand-off redirect)
 * against node-saml's own `validatePostResponseAsync` on the same signed responses, in the same
 * run. Target: the path costs at most 1.2× the library. Bounded by the number of responses.
 *
 * The library runs in a child process (bench/acs-library.ts) under the gateway's V8 flags, the
 * fair comparison, and again under Node's defaults, printed beside it.
 *
 * Cost is CPU time, not wall time: the library's from `process.cpuUsage` around its calls, the
 * path's from the gateway process's own CPU seconds (/proc) while it answers. On a shared machine
 * the wall clock measures the neighbours; CPU time moves far less with them (docs/benchmarks.md).
 * The wall-clock figures are printed beside it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { opensslKeyPair, samlIdp, IDP_ENTITY } from '../test/signin/support.ts';
import { samlResponse } from '../test/connections/saml/saml-response.ts';
import { OPERATOR_KEY, benchConfig } from './config.ts';
import { gatewayNodeFlags, startServer } from './servers.ts';
import type { LibraryInput } from './acs-library.ts';
import type { ChildServer } from './servers.ts';

const RESPONSES = Number(process.env.BENCH_ACS_RESPONSES ?? 1500);
const WARM = Math.min(200, Math.floor(RESPONSES / 5));
const CONNECTIONS = Number(process.env.BENCH_ACS_CONNECTIONS ?? 8);

async function admin(url: string, method: string, path: string, body: string, type: string) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_KEY}`, 'content-type': type },
    body,
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

interface Cost {
  /** CPU milliseconds per response. */
  readonly cpu: number;
  /** Wall-clock milliseconds per response. */
  readonly wall: number;
}

/**
 * Per `validatePostResponseAsync`, one after another, in a child process on `flags`: the library
 * under the gateway's V8 flags is the fair comparison (the flags size the young generation, and
 * with it the garbage collector's share of both); Node's defaults are printed beside it.
 */
function libraryCost(input: string, flags: readonly string[]): Cost {
  const run = spawnSync(process.execPath, [...flags, 'bench/acs-library.ts', input], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench/acs-library.ts failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as Cost;
}

/** Per ACS request of the gateway while it is saturated (each response posted once). */
async function httpCost(gw: ChildServer, responses: readonly string[]): Promise<Cost> {
  const { url } = gw;
  let next = 0;
  const post = (count: number) =>
    autocannon({
      url,
      connections: CONNECTIONS,
      amount: count,
      requests: [
        {
          method: 'POST',
          path: '/sso/acme/saml/acs',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({
            ...req,
            body: `SAMLResponse=${encodeURIComponent(responses[next++ % responses.length] ?? '')}`,
          }),
        },
      ],
    });
  await post(WARM);
  const cpu = gw.cpuSeconds();
  const r = await post(responses.length - WARM);
  const used = gw.cpuSeconds() - cpu;
  const landed = r.statusCodeStats['303']?.count ?? 0;
  if (landed !== responses.length - WARM || r.errors > 0)
    throw new Error(
      `ACS: ${landed} of ${responses.length - WARM} landed, ${JSON.stringify(r.statusCodeStats)}`,
    );
  return { cpu: (used * 1000) / landed, wall: (r.duration * 1000) / landed };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustgate-bench-acs-'));
  const gw = await startServer('gateway', dataDir);
  try {
    const publicUrl = benchConfig(dataDir).publicUrl ?? '';
    const keys = opensslKeyPair('bench-idp');
    const idp = samlIdp(keys);
    await admin(
      gw.url,
      'POST',
      '/admin/tenants',
      JSON.stringify({
        slug: 'acme',
        name: 'Acme',
        domains: ['acme.com'],
        settings: { jit: true, allowIdpInitiated: true, defaultRedirectUrl: 'https://app.example/' },
      }),
      'application/json',
    );
    await admin(gw.url, 'PUT', '/admin/tenants/acme/saml', idp.getMetadata(), 'application/samlmetadata+xml');
    const started = performance.now();
    const responses: string[] = [];
    // IdP-initiated, each with its own assertion id (the replay cache accepts each once).
    for (let i = 0; i < RESPONSES; i++) responses.push(await samlResponse({ base: publicUrl }, idp));
    console.log(`signed ${RESPONSES} responses in ${Math.round(performance.now() - started)} ms`);

    const input = join(dataDir, 'library-input.json');
    const library: LibraryInput = {
      base: `${publicUrl}/sso/acme/saml`,
      idpEntity: IDP_ENTITY,
      idpCert: keys.cert,
      responses,
      warm: WARM,
    };
    writeFileSync(input, JSON.stringify(library));
    const flags = gatewayNodeFlags();
    const sameFlags = libraryCost(input, flags);
    const defaults = libraryCost(input, []);
    const path = await httpCost(gw, responses);
    const ratio = path.cpu / sameFlags.cpu;
    const line = (c: Cost) => `${c.cpu.toFixed(2)} ms CPU per response (wall ${c.wall.toFixed(2)} ms)`;
    console.log(
      `     node-saml validatePostResponseAsync, gateway flags (${flags.join(' ') || 'none'})  ${line(sameFlags)}`,
    );
    console.log(`     node-saml validatePostResponseAsync, Node's default flags  ${line(defaults)}`);
    console.log(`     ACS through the HTTP path (${CONNECTIONS} conn.)  ${line(path)}`);
    console.log(
      `${ratio <= 1.2 ? 'ok  ' : 'MISS'} ACS path ÷ library on the same flags (CPU) = ${ratio.toFixed(3)}   target ≤ 1.2` +
        `   (wall ${(path.wall / sameFlags.wall).toFixed(3)}; ÷ library on default flags ${(path.cpu / defaults.cpu).toFixed(3)})`,
    );
  } finally {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
