import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import { insertAccount, opensslKeyPair, samlIdp, startHarness } from '../../signin/support.ts';
import type { Harness, KeyPair } from '../../signin/support.ts';
import { postAcs, startLogin } from '../../signin/flow.ts';
import { decode, encode, samlResponse } from './saml-response.ts';
import type { ResponseValues, SigningMode } from './saml-response.ts';
import { loginsOf } from './assertions.ts';
import {
  XSW,
  assertionOf,
  impersonate,
  parse,
  responseOf,
  serialize,
  signWithIdpKey,
  stripSignatures,
} from './wrapping.ts';

const ALICE = 'alice@acme.com';
const ADMIN = 'admin@acme.com';

/** A refusal as the person sees it (an error page, 4xx) with its `sso.login_rejected` event. */
async function expectRefused(h: Harness, res: Response, codes: readonly string[]): Promise<void> {
  assert.ok(
    res.status >= 400 && res.status < 500,
    `expected a 4xx refusal, got ${res.status} ${res.text.slice(0, 200)}`,
  );
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  assert.doesNotMatch(res.text, /<samlp?:|<saml:|at .*\.ts:\d+/);
  const reference = /Reference: <code>([A-Z0-9]+)<\/code>/.exec(res.text)?.[1];
  assert.ok(reference, 'the page shows a reference id');
  const tenant = await h.t.container.storage.tenants.getBySlug('acme');
  const events = await h.t.container.storage.audit.list(tenant!.id, null, 1000);
  const event = events.find((e) => e.type === 'sso.login_rejected' && e.data.reference === reference);
  assert.ok(event, 'an sso.login_rejected event carries the same reference');
  assert.ok(codes.includes(event.data.code as string), `rejected as ${JSON.stringify(event.data)}`);
}

describe('SAML ACS under attack: every variant refused, the genuine response still accepted', function () {
  this.timeout(60000);
  let h: Harness;
  let adminId: string;
  let aliceId: string;
  before(async () => {
    h = await startHarness();
    aliceId = (await insertAccount(h, ALICE)).id;
    adminId = (await insertAccount(h, ADMIN, { displayName: 'The Admin' })).id;
  });
  after(async () => h.close());

  /** Starts a login, has the test IdP sign alice's response, lets `edit` tamper with the XML, posts it. */
  async function attack(
    edit: (xml: string) => string,
    mode: SigningMode = { assertion: true },
    values: ResponseValues = {},
    idp = samlIdp(h.idpKeys),
  ): Promise<Response> {
    const flow = await startLogin(h);
    const signed = await samlResponse(h, idp, { inResponseTo: flow.requestId, ...values }, mode);
    return postAcs(flow.agent, encode(edit(decode(signed))), flow.relayState);
  }

  /** The genuine response of the same IdP: alice gets in. */
  async function expectGenuineAccepted(): Promise<void> {
    const before = await loginsOf(h, aliceId);
    const res = await attack((xml) => xml);
    assert.equal(res.status, 303, res.text.slice(0, 300));
    assert.equal(await loginsOf(h, aliceId), before + 1);
  }

  /** Refused, and the impersonated admin was not signed in. */
  async function expectAttackRefused(res: Response, codes: readonly string[]): Promise<void> {
    const before = await loginsOf(h, adminId);
    await expectRefused(h, res, codes);
    assert.equal(await loginsOf(h, adminId), before, 'the admin account was not signed in');
  }

  it('accepts the genuine response, signed on the assertion or on the response', async () => {
    await expectGenuineAccepted();
    assert.equal((await attack((xml) => xml, { message: true })).status, 303);
  });

  describe('XML signature wrapping, XSW1–XSW8 (Somorovsky et al., USENIX Security 2012)', () => {
    for (const [name, variant] of Object.entries(XSW)) {
      it(`refuses ${name} (${variant.signed} signature)`, async () => {
        const mode = variant.signed === 'message' ? { message: true } : { assertion: true };
        const wrapped = (xml: string) => {
          const doc = parse(xml);
          variant.wrap(doc, ALICE, ADMIN);
          const out = serialize(doc);
          assert.ok(out.includes(ADMIN) && out.includes(ALICE), 'the evil copy and the signed original');
          return out;
        };
        await expectAttackRefused(await attack(wrapped, mode), ['invalid_signature']);
      });
    }
  });

  it('refuses a NameID with a comment inside, even when the text before the comment is an account', async () => {
    // The digest is over the canonical form without comments, so the signature stays valid
    // (Duo Labs, "Duo Finds SAML Vulnerabilities Affecting Multiple Implementations", 2018).
    const before = await loginsOf(h, adminId);
    const res = await attack(
      (xml) => xml,
      { assertion: true },
      {
        nameId: `${ADMIN}<!---->.evil.com`,
        attributes: { email: `${ADMIN}<!---->.evil.com` },
      },
    );
    // Read whole, the identity is admin@acme.com.evil.com: nobody here, and jit is off.
    await expectRefused(h, res, ['not_provisioned']);
    assert.equal(await loginsOf(h, adminId), before);
  });

  it('refuses a NameID whose text after a comment is an account', async () => {
    const res = await attack(
      (xml) => xml,
      { assertion: true },
      {
        nameId: `mallory.evil.com<!---->${ADMIN}`,
        attributes: { email: `mallory.evil.com<!---->${ADMIN}` },
      },
    );
    await expectAttackRefused(res, ['not_provisioned']);
  });

  for (const [where, location] of [
    ['enveloped in the Status', "//*[local-name(.)='StatusCode']"],
    ['placed in the Response', "/*[local-name(.)='Response']/*[local-name(.)='Issuer']"],
  ] as const)
    it(`refuses a valid IdP signature over another element than the assertion (the Status, ${where})`, async () => {
      const res = await attack((xml) => {
        const doc = parse(xml);
        stripSignatures(doc);
        impersonate(assertionOf(doc), ALICE, ADMIN);
        const status = responseOf(doc).getElementsByTagNameNS(
          'urn:oasis:names:tc:SAML:2.0:protocol',
          'Status',
        )[0];
        status?.setAttribute('ID', '_status');
        return signWithIdpKey(serialize(doc), h.idpKeys, "//*[local-name(.)='Status']", location);
      });
      await expectAttackRefused(res, ['invalid_signature']);
    });

  it('refuses a Reference whose transforms empty the signed content', async () => {
    // An XPath transform (XMLDSig §6.6.3) that selects nothing: the digest covers the empty
    // string, so any assertion content would verify. SAML core §5.4.4 allows only the
    // enveloped-signature and exclusive canonicalization transforms.
    const XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116';
    const res = await attack((xml) => {
      const doc = parse(xml);
      stripSignatures(doc);
      const signed = signWithIdpKey(
        serialize(doc),
        h.idpKeys,
        "//*[local-name(.)='Assertion']",
        "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
        ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', XPATH],
        { algorithm: XPATH, process: () => '' },
      );
      const after = parse(signed);
      impersonate(assertionOf(after), ALICE, ADMIN);
      return serialize(after);
    });
    await expectAttackRefused(res, ['invalid_signature']);
  });

  it('refuses a valid signature by the IdP key of another tenant', async () => {
    // Tenant globex trusts its own IdP (same entity ID as acme's, another key).
    const globexKeys: KeyPair = opensslKeyPair('globex-idp');
    await h.t.tenant('globex', { domains: ['globex.com'] });
    await h
      .admin()
      .put('/admin/tenants/globex/saml')
      .set('Authorization', h.t.operator)
      .type('application/samlmetadata+xml')
      .send(samlIdp(globexKeys).getMetadata())
      .expect(200);
    for (const mode of [{ assertion: true }, { message: true }]) {
      const res = await attack((xml) => xml.replaceAll(ALICE, ADMIN), mode, {}, samlIdp(globexKeys));
      await expectAttackRefused(res, ['invalid_signature']);
    }
  });

  it('refuses duplicated IDs (another element carrying the signed assertion ID)', async () => {
    for (const where of ['Status', 'Extensions'] as const) {
      const res = await attack((xml) => {
        const doc = parse(xml);
        const assertion = assertionOf(doc);
        const id = assertion.getAttribute('ID') ?? '';
        const root = responseOf(doc);
        const ns = 'urn:oasis:names:tc:SAML:2.0:protocol';
        const status = root.getElementsByTagNameNS(ns, 'Status')[0];
        if (where === 'Status') status?.setAttribute('ID', id);
        else {
          const extensions = doc.createElementNS(ns, 'samlp:Extensions');
          extensions.setAttribute('ID', id);
          root.insertBefore(extensions, status ?? null);
        }
        return serialize(doc);
      });
      await expectRefused(h, res, ['invalid_signature', 'malformed_response']);
    }
  });

  it('refuses duplicated IDs on the Response and its assertion', async () => {
    const res = await attack(
      (xml) => {
        const doc = parse(xml);
        assertionOf(doc).setAttribute('ID', responseOf(doc).getAttribute('ID') ?? '');
        return serialize(doc);
      },
      { message: true },
    );
    await expectRefused(h, res, ['invalid_signature', 'malformed_response']);
  });

  describe('DTDs and entities in the response', () => {
    const LAUGHS =
      '<!DOCTYPE samlp:Response [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' +
      '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">' +
      '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>';
    const cases: Record<string, (xml: string) => string> = {
      'an internal DTD': (xml) => `<?xml version="1.0"?><!DOCTYPE samlp:Response []>${xml}`,
      'an external entity in the NameID': (xml) =>
        `<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY x SYSTEM "file:///etc/passwd">]>${xml.replace(`>${ALICE}<`, '>&x;<')}`,
      'an entity expansion bomb': (xml) => `${LAUGHS}${xml.replace(`>${ALICE}<`, '>&f;&f;&f;&f;<')}`,
      'a lower-case doctype': (xml) => `<!doctype samlp:Response>${xml}`,
    };
    for (const [name, edit] of Object.entries(cases))
      it(`refuses ${name}`, async () => {
        const started = Date.now();
        await expectAttackRefused(await attack(edit), ['malformed_response']);
        assert.ok(Date.now() - started < 5000, 'answered quickly');
      });
  });

  it('still accepts the genuine response after every attack', async () => {
    await expectGenuineAccepted();
  });
});

describe('admin: DTDs and entities in uploaded IdP metadata', function () {
  this.timeout(30000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  const put = (body: string, json = false) => {
    const req = h.admin().put('/admin/tenants/acme/saml').set('Authorization', h.t.operator);
    return json ? req.send({ metadataXml: body }) : req.type('application/samlmetadata+xml').send(body);
  };

  it('refuses DOCTYPE, external entities and entity bombs, and keeps the connection it had', async () => {
    const before = (await h.admin().get('/admin/tenants/acme/saml').set('Authorization', h.t.operator)).body;
    const metadata = samlIdp(opensslKeyPair('other-idp'))
      .getMetadata()
      .replace('https://idp.test/metadata', 'https://evil.test/metadata');
    const body = metadata.replace(/^<\?xml[^>]*\?>\s*/, '');
    const variants = [
      `<!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>${body.replace('https://evil.test/metadata', '&x;')}`,
      `<!DOCTYPE md:EntityDescriptor [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>${body.replace('https://evil.test/metadata', '&c;')}`,
      `<?xml version="1.0"?>\n<!DOCTYPE md:EntityDescriptor SYSTEM "http://127.0.0.1:9/evil.dtd">${body}`,
      `<?xml version="1.0"?><!doctype x>${body}`,
    ];
    for (const xml of variants) {
      for (const json of [false, true]) {
        const res = await put(xml, json);
        assert.equal(res.status, 400, `${res.status} ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error.code, 'invalid_metadata');
      }
    }
    const after = (await h.admin().get('/admin/tenants/acme/saml').set('Authorization', h.t.operator)).body;
    assert.deepEqual(after, before);
    assert.equal(after.idp.entityId, 'https://idp.test/metadata');
  });
});
