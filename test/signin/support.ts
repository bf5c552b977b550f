import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import request from 'supertest';
import * as samlify from 'samlify';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import type { Account, AccountId } from '../../src/storage/ports.ts';

// samlify refuses to parse anything until a schema validator is set (it fails with a bare ERR_INVALID_XML otherwise).
samlify.setSchemaValidator({ validate: async () => 'skipped' });

export const BINDING = samlify.Constants.namespace.binding;
export const IDP_ENTITY = 'https://idp.test/metadata';
export const IDP_SSO = 'https://idp.test/sso';
export const IDP_SLO = 'https://idp.test/slo';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
export const APP_REDIRECT = 'http://127.0.0.1:9/callback';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

/** An RSA-2048 key and self-signed certificate made by openssl (node:crypto cannot make X.509). */
export function opensslKeyPair(cn = 'test-idp'): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'trustgate-idp-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '2',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function samlIdp(
  keys: KeyPair,
  options: { signatureAlgorithm?: string; encrypt?: boolean; metadataCert?: string; slo?: boolean } = {},
) {
  return samlify.IdentityProvider({
    entityID: IDP_ENTITY,
    privateKey: keys.key,
    signingCert: options.metadataCert ?? keys.cert,
    requestSignatureAlgorithm: options.signatureAlgorithm ?? RSA_SHA256,
    singleSignOnService: [
      { Binding: BINDING.redirect, Location: IDP_SSO },
      { Binding: BINDING.post, Location: IDP_SSO },
    ],
    ...(options.slo
      ? {
          singleLogoutService: [
            { Binding: BINDING.redirect, Location: IDP_SLO },
            { Binding: BINDING.post, Location: IDP_SLO },
          ],
        }
      : {}),
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'],
    isAssertionEncrypted: options.encrypt ?? false,
    dataEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
    keyEncryptionAlgorithm: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  } as Parameters<typeof samlify.IdentityProvider>[0]);
}

/** Free TCP port on 127.0.0.1 (the provider needs its public URL before it starts). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface Harness {
  readonly t: TestApp;
  readonly base: string;
  readonly server: Server;
  readonly idpKeys: KeyPair;
  readonly client: { clientId: string; clientSecret: string };
  readonly scimToken: string;
  admin(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The real app listening on 127.0.0.1 with tenant `acme` (domain acme.com) wired to a samlify IdP. */
export async function startHarness(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ publicUrl: base, ...overrides });
  const server = await new Promise<Server>((resolve) => {
    const s = createHttpServer(t.app).listen(port, '127.0.0.1', () => resolve(s));
  });
  const admin = () => request(base);
  const { scimToken } = await t.tenant('acme', { domains: ['acme.com'] });
  const idpKeys = opensslKeyPair();
  const metadata = samlIdp(idpKeys).getMetadata();
  const put = await admin()
    .put('/admin/tenants/acme/saml')
    .set('Authorization', t.operator)
    .type('application/samlmetadata+xml')
    .send(metadata);
  if (put.status !== 200) throw new Error(`saml connection: ${put.status} ${JSON.stringify(put.body)}`);
  const created = await admin()
    .post('/admin/clients')
    .set('Authorization', t.operator)
    .send({ name: 'Product', redirectUris: [APP_REDIRECT] });
  if (created.status !== 201) throw new Error(`client: ${created.status} ${JSON.stringify(created.body)}`);
  const client = created.body as { clientId: string; clientSecret: string };
  return {
    t,
    base,
    server,
    idpKeys,
    client,
    scimToken,
    admin,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    },
  };
}

/** A SCIM-shaped account written straight to the store (as the SCIM service would). */
export async function insertAccount(
  h: Harness,
  userName: string,
  extra: Partial<Account> = {},
): Promise<Account> {
  const tenant = await h.t.container.storage.tenants.getBySlug('acme');
  const now = new Date().toISOString();
  const account: Account = {
    tenantId: tenant!.id,
    id: `${Date.now().toString(16)}-${randomBytes(8).toString('hex')}` as AccountId,
    userName,
    externalId: null,
    active: true,
    displayName: 'Alice Example',
    email: userName,
    attributes: { name: { givenName: 'Alice', familyName: 'Example' } },
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...extra,
  };
  await h.t.container.storage.accounts.insert(account);
  return account;
}

export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export const pathOf = (location: string | undefined): string => {
  const url = new URL(location ?? '', 'http://x');
  return `${url.pathname}${url.search}`;
};

/** The AuthnRequest ID inside an HTTP-Redirect SAMLRequest (SAML bindings §3.4.4.1: DEFLATE + base64). */
export function authnRequestId(location: string): { id: string; relayState: string; xml: string } {
  const url = new URL(location);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString(
    'utf8',
  );
  const id = /\sID="([^"]+)"/.exec(xml)?.[1] ?? '';
  return { id, relayState: url.searchParams.get('RelayState') ?? '', xml };
}
