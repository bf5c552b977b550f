import assert from 'node:assert/strict';
import request from 'supertest';
import type { Response } from 'supertest';
import { APP_REDIRECT, IDP_ENTITY, insertAccount, samlIdp, startHarness } from '../signin/support.ts';
import type { Harness } from '../signin/support.ts';
import { postAcs, startLogin } from '../signin/flow.ts';
import { GROUP, PATCH_OP, USER } from '../scim/helpers.ts';

// The bad input corpus: each entry is something a broken or hostile client sends. Each gets a
// 4xx in its surface's protocol shape within a bounded time, never a 500, and what was stored
// before is unchanged afterwards.

type Surface = 'scim' | 'admin' | 'signin' | 'oauth';

interface Case {
  readonly surface: Surface;
  readonly name: string;
  readonly send: (h: Harness, ctx: Seeded) => Promise<Answer | Response>;
  /** The exact status when it matters (415, 413, …); any 4xx otherwise. */
  readonly status?: number;
  /** An OAuth error sent back to the client's registered redirect URI (RFC 6749 §4.1.2.1). */
  readonly oauthRedirect?: boolean;
}

interface Seeded {
  userId: string;
  groupId: string;
}

const BOUND_MS = 5000;
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
/** 0xC3 0x28 is a UTF-8 lead byte followed by a byte that cannot continue it. */
const BAD_UTF8 = Buffer.from([0xc3, 0x28]);
const withBadUtf8 = (before: string, after: string): Buffer =>
  Buffer.concat([Buffer.from(before, 'utf8'), BAD_UTF8, Buffer.from(after, 'utf8')]);

const deepArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const clauses = (n: number) =>
  Array.from({ length: n }, (_, i) => `userName eq "u${i}@acme.com"`).join(' or ');
const LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><r>&d;&d;&d;</r>';

/** What a test reads of an answer: supertest's, or fetch's for bodies that must go out byte for byte. */
interface Answer {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly headers: Record<string, string | undefined>;
}

/** Sends `body` as the exact bytes given (superagent would serialize a Buffer as JSON). */
async function raw(
  h: Harness,
  method: string,
  path: string,
  auth: string,
  body: string | Buffer,
  type: string,
): Promise<Answer> {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': type },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the shape check says so
  }
  return { status: res.status, text, body: parsed, headers: Object.fromEntries(res.headers) };
}

const scim = (
  h: Harness,
  method: string,
  path: string,
  body: string | Buffer,
  type = 'application/scim+json',
) => raw(h, method.toUpperCase(), `/scim/v2/acme${path}`, `Bearer ${h.scimToken}`, body, type);

const admin = (h: Harness, method: string, path: string, body: string | Buffer, type = 'application/json') =>
  raw(h, method.toUpperCase(), path, h.t.operator, body, type);

const acsRaw = (h: Harness, form: string) =>
  request(h.base)
    .post('/sso/acme/saml/acs')
    .set('Content-Type', 'application/x-www-form-urlencoded')
    .send(form);

/** A samlp:Response addressed to acme's ACS by its IdP, around `inner`. */
const shell = (h: Harness, inner: string) =>
  `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="${h.base}/sso/acme/saml/acs"><saml:Issuer>${IDP_ENTITY}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${inner}</samlp:Response>`;

const b64 = (text: string | Buffer) => encodeURIComponent(Buffer.from(text).toString('base64'));

const CASES: Case[] = [
  // SCIM
  {
    surface: 'scim',
    name: 'truncated JSON',
    send: (h) => scim(h, 'post', '/Users', `{"schemas":["${USER}"],"userName":"tr`),
  },
  { surface: 'scim', name: 'malformed JSON', send: (h) => scim(h, 'post', '/Users', '{]') },
  {
    surface: 'scim',
    name: 'text/plain body',
    status: 415,
    send: (h) => scim(h, 'post', '/Users', '{}', 'text/plain'),
  },
  {
    surface: 'scim',
    name: 'form body',
    status: 415,
    send: (h) => scim(h, 'post', '/Users', 'userName=x', 'application/x-www-form-urlencoded'),
  },
  {
    surface: 'scim',
    name: 'JSON nested 10,000 arrays deep',
    send: (h) =>
      scim(
        h,
        'post',
        '/Users',
        `{"schemas":["${USER}"],"userName":"deep@acme.com","name":${deepArrays(10_000)}}`,
      ),
  },
  {
    surface: 'scim',
    name: 'JSON nested 10,000 objects deep',
    send: (h) =>
      scim(
        h,
        'post',
        '/Users',
        `{"schemas":["${USER}"],"userName":"deep@acme.com","name":{"givenName":${deepObjects(10_000)}}}`,
      ),
  },
  {
    surface: 'scim',
    name: 'a bare value nested 10,000 deep',
    send: (h) => scim(h, 'post', '/Groups', deepArrays(10_000)),
  },
  {
    surface: 'scim',
    name: 'invalid UTF-8 in a POST',
    status: 400,
    send: (h) =>
      scim(h, 'post', '/Users', withBadUtf8(`{"schemas":["${USER}"],"userName":"bad`, '@acme.com"}')),
  },
  {
    surface: 'scim',
    name: 'invalid UTF-8 in a PATCH',
    status: 400,
    send: (h, s) =>
      scim(
        h,
        'patch',
        `/Users/${s.userId}`,
        withBadUtf8(
          `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"displayName","value":"Al`,
          'ice"}]}',
        ),
      ),
  },
  {
    surface: 'scim',
    name: 'invalid UTF-8 in a PUT',
    status: 400,
    send: (h, s) =>
      scim(
        h,
        'put',
        `/Users/${s.userId}`,
        withBadUtf8(`{"schemas":["${USER}"],"userName":"alice@acme.com","displayName":"`, '"}'),
      ),
  },
  {
    surface: 'scim',
    name: 'a filter of 10,000 clauses (.search)',
    send: (h) =>
      scim(h, 'post', '/Users/.search', JSON.stringify({ schemas: [SEARCH], filter: clauses(10_000) })),
  },
  {
    surface: 'scim',
    name: 'a filter of 10,000 nested parentheses (.search)',
    send: (h) =>
      scim(
        h,
        'post',
        '/Users/.search',
        JSON.stringify({
          schemas: [SEARCH],
          filter: `${'('.repeat(10_000)}userName eq "x"${')'.repeat(10_000)}`,
        }),
      ),
  },
  {
    surface: 'scim',
    name: 'a filter of 10,000 not()',
    send: (h) =>
      scim(
        h,
        'post',
        '/Users/.search',
        JSON.stringify({
          schemas: [SEARCH],
          filter: `${'not ('.repeat(10_000)}userName eq "x"${')'.repeat(10_000)}`,
        }),
      ),
  },
  {
    surface: 'scim',
    name: 'a PATCH of 10,000 operations',
    send: (h, s) =>
      scim(
        h,
        'patch',
        `/Groups/${s.groupId}`,
        JSON.stringify({
          schemas: [PATCH_OP],
          Operations: Array.from({ length: 10_000 }, () => ({ op: 'remove', path: 'members' })),
        }),
      ),
  },
  {
    surface: 'scim',
    name: 'a PATCH path nested 10,000 deep',
    send: (h, s) =>
      scim(
        h,
        'patch',
        `/Users/${s.userId}`,
        JSON.stringify({
          schemas: [PATCH_OP],
          Operations: [
            {
              op: 'replace',
              path: `emails[${'type eq "x" and '.repeat(10_000)}type eq "y"].value`,
              value: 'x',
            },
          ],
        }),
      ),
  },
  // Admin
  {
    surface: 'admin',
    name: 'truncated JSON',
    send: (h) => admin(h, 'post', '/admin/tenants', '{"slug":"tr'),
  },
  {
    surface: 'admin',
    name: 'text/plain body',
    status: 415,
    send: (h) => admin(h, 'post', '/admin/tenants', '{"slug":"tp","name":"x"}', 'text/plain'),
  },
  {
    surface: 'admin',
    name: 'JSON nested 10,000 deep',
    send: (h) =>
      admin(h, 'post', '/admin/tenants', `{"slug":"deep","name":"x","domains":${deepArrays(10_000)}}`),
  },
  {
    surface: 'admin',
    name: 'settings nested 10,000 deep',
    send: (h) => admin(h, 'patch', '/admin/tenants/acme', `{"settings":${deepObjects(10_000)}}`),
  },
  {
    surface: 'admin',
    name: 'invalid UTF-8 in a tenant POST',
    status: 400,
    send: (h) => admin(h, 'post', '/admin/tenants', withBadUtf8('{"slug":"badutf","name":"Bad', '"}')),
  },
  {
    surface: 'admin',
    name: 'invalid UTF-8 in a tenant PATCH',
    status: 400,
    send: (h) => admin(h, 'patch', '/admin/tenants/acme', withBadUtf8('{"name":"AC', 'ME"}')),
  },
  {
    surface: 'admin',
    name: 'invalid UTF-8 in a product app POST',
    status: 400,
    send: (h) =>
      admin(
        h,
        'post',
        '/admin/clients',
        withBadUtf8('{"name":"App', `","redirectUris":["${APP_REDIRECT}"]}`),
      ),
  },
  {
    surface: 'admin',
    name: 'invalid UTF-8 in XML metadata',
    status: 400,
    send: (h) =>
      admin(
        h,
        'put',
        '/admin/tenants/acme/saml',
        // Valid metadata of the tenant's own IdP but for the bytes in its entityID.
        withBadUtf8(
          ...(samlIdp(h.idpKeys).getMetadata().split('https://idp.test/metadata') as [string, string]),
        ),
        'application/samlmetadata+xml',
      ),
  },
  {
    surface: 'admin',
    name: 'metadata that is an entity bomb',
    status: 400,
    send: (h) => admin(h, 'put', '/admin/tenants/acme/saml', LAUGHS, 'application/samlmetadata+xml'),
  },
  {
    surface: 'admin',
    name: 'metadata that is not XML',
    status: 400,
    send: (h) => admin(h, 'put', '/admin/tenants/acme/saml', '{"not":"xml"', 'application/xml'),
  },
  // Sign-in (SAML ACS): the error page
  { surface: 'signin', name: 'no SAMLResponse', send: (h) => acsRaw(h, 'RelayState=x') },
  {
    surface: 'signin',
    name: 'SAMLResponse not base64',
    send: (h) => acsRaw(h, 'SAMLResponse=%21%21%21***%24%24'),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse not XML',
    send: (h) => acsRaw(h, `SAMLResponse=${b64('hello, world')}`),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse truncated XML',
    send: (h) =>
      acsRaw(
        h,
        `SAMLResponse=${b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:Assert')}`,
      ),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse entity bomb',
    send: (h) => acsRaw(h, `SAMLResponse=${b64(LAUGHS)}`),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse invalid UTF-8',
    send: (h) =>
      acsRaw(
        h,
        `SAMLResponse=${b64(withBadUtf8('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="', '"/>'))}`,
      ),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse nested 10,000 deep',
    send: (h) => acsRaw(h, `SAMLResponse=${b64(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`)}`),
  },
  {
    surface: 'signin',
    name: 'SAMLResponse repeated',
    send: (h) => acsRaw(h, `SAMLResponse=${b64('<a/>')}&SAMLResponse=${b64('<b/>')}`),
  },
  {
    surface: 'signin',
    name: 'an EncryptedAssertion that does not decrypt (past our prechecks, into node-saml)',
    send: (h) =>
      acsRaw(
        h,
        `SAMLResponse=${b64(
          shell(
            h,
            '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>',
          ),
        )}`,
      ),
  },
  {
    surface: 'signin',
    name: 'a Signature that is garbage (past our prechecks, into node-saml)',
    send: (h) =>
      acsRaw(
        h,
        `SAMLResponse=${b64(
          shell(
            h,
            `<saml:Assertion ID="_a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>${IDP_ENTITY}</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="#_a"/></ds:SignedInfo><ds:SignatureValue>!!</ds:SignatureValue></ds:Signature></saml:Assertion>`,
          ),
        )}`,
      ),
  },
  {
    surface: 'signin',
    name: 'a JSON body',
    send: (h) => request(h.base).post('/sso/acme/saml/acs').send({ SAMLResponse: 'x' }),
  },
  // OpenID Provider and its interactions
  {
    surface: 'oauth',
    name: '/oauth/authorize without parameters',
    send: (h) => request(h.base).get('/oauth/authorize'),
  },
  {
    surface: 'oauth',
    name: '/oauth/authorize with client_id repeated',
    send: (h) =>
      request(h.base).get(
        `/oauth/authorize?client_id=${h.client.clientId}&client_id=${h.client.clientId}&response_type=code&scope=openid`,
      ),
  },
  {
    surface: 'oauth',
    name: '/oauth/authorize with an unknown client',
    send: (h) => request(h.base).get('/oauth/authorize?client_id=nobody&response_type=code&scope=openid'),
  },
  {
    surface: 'oauth',
    name: '/oauth/authorize with redirect_uri repeated',
    oauthRedirect: true,
    send: (h) =>
      request(h.base).get(
        `/oauth/authorize?client_id=${h.client.clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(APP_REDIRECT)}&redirect_uri=${encodeURIComponent('https://evil.test/cb')}`,
      ),
  },
  {
    surface: 'oauth',
    name: '/interaction/x/callback without token',
    send: (h) => request(h.base).get('/interaction/x/callback'),
  },
  {
    surface: 'oauth',
    name: '/interaction/x/callback with token repeated',
    send: (h) => request(h.base).get('/interaction/x/callback?token=a&token=b'),
  },
  {
    surface: 'oauth',
    name: 'the real interaction callback without token, and with it repeated',
    send: async (h) => {
      const flow = await startLogin(h);
      const uid =
        /\/interaction\/([^/]+)/.exec(
          (await flow.agent.get(`/oauth/authorize`)).headers.location ?? '',
        )?.[1] ?? 'x';
      const missing = await flow.agent.get(`/interaction/${uid}/callback`);
      assert.ok(missing.status >= 400 && missing.status < 500, `missing: ${missing.status}`);
      return flow.agent.get(`/interaction/${uid}/callback?token=a&token=b`);
    },
  },
];

function expectShape(c: Case, res: Answer | Response): void {
  const what = `${c.surface}: ${c.name}`;
  if (c.oauthRedirect) {
    assert.equal(res.status, 303, what);
    const location = new URL(res.headers.location ?? '');
    assert.equal(`${location.origin}${location.pathname}`, APP_REDIRECT, `${what}: only the registered URI`);
    assert.equal(location.searchParams.get('error'), 'invalid_request', what);
    return;
  }
  if (c.status !== undefined)
    assert.equal(res.status, c.status, `${what}: ${res.status} ${res.text?.slice(0, 200)}`);
  assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text?.slice(0, 200)}`);
  assert.doesNotMatch(
    res.text ?? '',
    /at .*\.(ts|js):\d+|internal error/,
    `${what}: no stack, not a server error`,
  );
  const type = res.headers['content-type'] ?? '';
  switch (c.surface) {
    case 'scim':
      assert.match(type, /application\/scim\+json/, what);
      assert.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'], what);
      assert.equal(res.body.status, String(res.status), what);
      break;
    case 'admin':
      assert.match(type, /application\/json/, what);
      assert.equal(typeof res.body.error?.code, 'string', what);
      break;
    case 'signin':
    case 'oauth':
      assert.match(type, /text\/html|application\/json/, what);
  }
}

describe('the bad input corpus: a 4xx in protocol shape, in bounded time, nothing stored changed', function () {
  this.timeout(120_000);
  let h: Harness;
  const seeded: Seeded = { userId: '', groupId: '' };
  let snapshot: unknown;

  async function state(): Promise<unknown> {
    const auth = `Bearer ${h.scimToken}`;
    const users = await request(h.base).get('/scim/v2/acme/Users?sortBy=userName').set('Authorization', auth);
    const group = await request(h.base)
      .get(`/scim/v2/acme/Groups/${seeded.groupId}`)
      .set('Authorization', auth);
    const tenants = await request(h.base).get('/admin/tenants').set('Authorization', h.t.operator);
    const saml = await request(h.base).get('/admin/tenants/acme/saml').set('Authorization', h.t.operator);
    const clients = await request(h.base).get('/admin/clients').set('Authorization', h.t.operator);
    return {
      users: users.body.Resources,
      group: group.body,
      tenants: tenants.body,
      saml: saml.body,
      clients: clients.body,
      polluted: ({} as Record<string, unknown>).polluted,
    };
  }

  before(async () => {
    h = await startHarness();
    await insertAccount(h, 'bob@acme.com');
    const auth = `Bearer ${h.scimToken}`;
    const user = await request(h.base)
      .post('/scim/v2/acme/Users')
      .set('Authorization', auth)
      .send({ schemas: [USER], userName: 'alice@acme.com', displayName: 'Alice' })
      .expect(201);
    seeded.userId = user.body.id as string;
    const group = await request(h.base)
      .post('/scim/v2/acme/Groups')
      .set('Authorization', auth)
      .send({ schemas: [GROUP], displayName: 'Team', members: [{ value: seeded.userId }] })
      .expect(201);
    seeded.groupId = group.body.id as string;
    snapshot = await state();
  });
  after(async () => h.close());

  for (const c of CASES)
    it(`${c.surface}: ${c.name}`, async () => {
      const started = Date.now();
      const res = await c.send(h, seeded);
      const elapsed = Date.now() - started;
      expectShape(c, res);
      assert.ok(elapsed < BOUND_MS, `answered in ${elapsed} ms`);
      assert.equal((await request(h.base).get('/healthz')).status, 200, 'the process is up');
    });

  it('the SAML rejections were audited with their reasons, and a genuine flow still starts', async () => {
    const tenant = await h.t.container.storage.tenants.getBySlug('acme');
    const events = await h.t.container.storage.audit.list(tenant!.id, null, 1000);
    const rejected = events.filter((e) => e.type === 'sso.login_rejected');
    // Each reason names the problem with the input, not a crash of the code reading it.
    for (const e of rejected) {
      const reason = typeof e.data.reason === 'string' ? e.data.reason : JSON.stringify(e.data.reason);
      assert.doesNotMatch(reason, /Cannot read|undefined|TypeError|is not a function/, reason);
    }
    assert.ok(
      rejected.length >= CASES.filter((c) => c.surface === 'signin').length,
      `${rejected.length} sso.login_rejected`,
    );
    await startLogin(h);
  });

  it('changed nothing that was stored', async () => {
    assert.deepEqual(await state(), snapshot);
  });

  it('sign-in: a 5 MB SAMLResponse is a 413 error page', async () => {
    const res = await postAcs(request.agent(h.base), 'A'.repeat(5 * 1024 * 1024));
    assert.equal(res.status, 413);
    assert.match(res.headers['content-type'] ?? '', /text\/html/);
  });
});
