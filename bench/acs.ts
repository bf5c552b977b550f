/**
 * `npm run bench`, SAML part: the assertion consumer through the whole HTTP path (form parsing,
 * our prechecks, node-saml, replay cache, account linking, audit event, hand-off redirect)
 * against node-saml's own `validatePostResponseAsync` on the same signed responses, in the same
 * run. Target: the path costs at most 1.2× the library. Bounded by the number of responses.
 *
 * Cost is CPU time, not wall time: the library's from `process.cpuUsage` around its calls, the
 * path's from the gateway process's own CPU seconds (/proc) while it answers. On a shared machine
 * the wall clock measures the neighbours; CPU time moves far less with them (docs/benchmarks.md).
 * The wall-clock figures are printed beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { opensslKeyPair, samlIdp, IDP_ENTITY } from '../test/signin/support.ts';
import { samlResponse } from '../test/connections/saml/saml-response.ts';
import { OPERATOR_KEY, benchConfig } from './config.ts';
import { startServer } from './servers.ts';
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

/** Per `validatePostResponseAsync`, one after another on this process's thread. */
async function libraryCost(saml: SAML, responses: readonly string[]): Promise<Cost> {
  for (const r of responses.slice(0, WARM)) await saml.validatePostResponseAsync({ SAMLResponse: r });
  const measured = responses.slice(WARM);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const r of measured) await saml.validatePostResponseAsync({ SAMLResponse: r });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / measured.length, wall: wall / measured.length };
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

    const base = `${publicUrl}/sso/acme/saml`;
    const saml = new SAML({
      callbackUrl: `${base}/acs`,
      issuer: `${base}/metadata`,
      audience: `${base}/metadata`,
      idpIssuer: IDP_ENTITY,
      idpCert: [keys.cert],
      wantAuthnResponseSigned: false,
      wantAssertionsSigned: false,
      acceptedClockSkewMs: 60_000,
      validateInResponseTo: ValidateInResponseTo.never,
    });
    const library = await libraryCost(saml, responses);
    const path = await httpCost(gw, responses);
    const ratio = path.cpu / library.cpu;
    const line = (c: Cost) => `${c.cpu.toFixed(2)} ms CPU per response (wall ${c.wall.toFixed(2)} ms)`;
    console.log(`     node-saml validatePostResponseAsync   ${line(library)}`);
    console.log(`     ACS through the HTTP path (${CONNECTIONS} conn.)  ${line(path)}`);
    console.log(
      `${ratio <= 1.2 ? 'ok  ' : 'MISS'} ACS path ÷ library (CPU) = ${ratio.toFixed(3)}   target ≤ 1.2` +
        `   (wall ${(path.wall / library.wall).toFixed(3)})`,
    );
  } finally {
    await gw.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
