/**
 * node-saml's own `validatePostResponseAsync` on the responses of `bench/acs.ts`, run by it in a
 * child process so that the library runs under the same V8 flags as the gateway (or under Node's
 * defaults, for comparison): `node [flags] bench/acs-library.ts <input.json>`. Prints one JSON
 * line, the CPU and wall milliseconds per response, measured after `warm` unmeasured ones.
 */
import { readFileSync } from 'node:fs';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';

export interface LibraryInput {
  /** The SP's SAML base URL (`…/sso/acme/saml`), the IdP's entity id and certificate. */
  readonly base: string;
  readonly idpEntity: string;
  readonly idpCert: string;
  readonly responses: readonly string[];
  readonly warm: number;
}

const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LibraryInput;
// The same checks as the gateway's node-saml (src/connections/saml/sp.ts) for these responses.
const saml = new SAML({
  callbackUrl: `${input.base}/acs`,
  issuer: `${input.base}/metadata`,
  audience: `${input.base}/metadata`,
  idpIssuer: input.idpEntity,
  idpCert: [input.idpCert],
  wantAuthnResponseSigned: false,
  wantAssertionsSigned: false,
  acceptedClockSkewMs: 60_000,
  validateInResponseTo: ValidateInResponseTo.never,
});
for (const r of input.responses.slice(0, input.warm))
  await saml.validatePostResponseAsync({ SAMLResponse: r });
const measured = input.responses.slice(input.warm);
const cpu = process.cpuUsage();
const started = performance.now();
for (const r of measured) await saml.validatePostResponseAsync({ SAMLResponse: r });
const wall = performance.now() - started;
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({ cpu: (used.user + used.system) / 1000 / measured.length, wall: wall / measured.length }),
);
