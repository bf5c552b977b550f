import assert from 'node:assert/strict';
import request from 'supertest';
import {
  APP_REDIRECT,
  insertAccount,
  opensslKeyPair,
  pathOf,
  RSA_SHA1,
  samlIdp,
  startHarness,
} from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';
import { decode, encode, samlResponse } from './saml-response.ts';
import type { ResponseValues, SigningMode } from './saml-response.ts';
import { postAcs, startLogin } from '../../signin/flow.ts';
import { expectRejected, loginsOf } from './assertions.ts';

describe('SAML ACS refusals (each with its own reason)', function () {
  this.timeout(30000);
  let h: Harness;
  let aliceId: string;
  before(async () => {
    h = await startHarness();
    aliceId = (await insertAccount(h, 'alice@acme.com')).id;
  });
  after(async () => h.close());

  /** Starts a real SP-initiated login and posts the response `values` describe. */
  async function post(
    values: ResponseValues = {},
    mode: SigningMode = { assertion: true },
    idp = samlIdp(h.idpKeys),
    edit = (xml: string) => xml,
  ) {
    const flow = await startLogin(h);
    const response = await samlResponse(h, idp, { inResponseTo: flow.requestId, ...values }, mode);
    return { flow, res: await postAcs(flow.agent, encode(edit(decode(response))), flow.relayState) };
  }

  it('accepts the untouched response (the control case)', async () => {
    const { res } = await post();
    assert.equal(res.status, 303, res.text);
  });

  it('accepts a response signed only at the Response level (Google style)', async () => {
    const { res } = await post({}, { message: true });
    assert.equal(res.status, 303, res.text);
  });

  it('refuses a tampered assertion', async () => {
    const { res } = await post({ nameId: 'bob@acme.com' }, { assertion: true }, undefined, (xml) =>
      xml.replaceAll('bob@acme.com', 'alice@acme.com'),
    );
    await expectRejected(h, res, 'invalid_signature');
  });

  it('refuses a response signed by a key the metadata does not list', async () => {
    const { res } = await post({}, { assertion: true }, samlIdp(opensslKeyPair('rogue-idp')));
    await expectRejected(h, res, 'invalid_signature');
  });

  it('refuses the same response posted twice', async () => {
    const flow = await startLogin(h);
    const response = await samlResponse(h, samlIdp(h.idpKeys), { inResponseTo: flow.requestId });
    assert.equal((await postAcs(flow.agent, response, flow.relayState)).status, 303);
    await expectRejected(h, await postAcs(flow.agent, response, flow.relayState), 'unknown_request');
  });

  it('refuses an unsolicited response when IdP-initiated sign-in is off', async () => {
    const response = await samlResponse(h, samlIdp(h.idpKeys), { inResponseTo: null });
    await expectRejected(h, await postAcs(request.agent(h.base), response), 'unsolicited_response');
  });

  it('refuses a response to a request we never issued', async () => {
    const response = await samlResponse(h, samlIdp(h.idpKeys), { inResponseTo: '_not-ours' });
    await expectRejected(h, await postAcs(request.agent(h.base), response), 'unknown_request');
  });

  it('refuses a wrong audience', async () => {
    await expectRejected(
      h,
      (await post({ audience: 'https://other-sp.example/metadata' })).res,
      'wrong_audience',
    );
  });

  it('refuses a wrong SubjectConfirmation Recipient', async () => {
    await expectRejected(
      h,
      (await post({ recipient: 'https://other-sp.example/acs' })).res,
      'wrong_recipient',
    );
  });

  it('refuses a wrong Destination', async () => {
    await expectRejected(
      h,
      (await post({ destination: 'https://other-sp.example/acs' })).res,
      'wrong_destination',
    );
  });

  it('refuses a wrong issuer', async () => {
    await expectRejected(
      h,
      (await post({ issuer: 'https://other-idp.example/metadata' })).res,
      'wrong_issuer',
    );
  });

  it('refuses an expired assertion', async () => {
    await expectRejected(
      h,
      (
        await post({
          notBefore: new Date(Date.now() - 600_000),
          notOnOrAfter: new Date(Date.now() - 120_000),
        })
      ).res,
      'outside_time_window',
    );
  });

  it('refuses an assertion not yet valid beyond the 60 s skew, accepts one within it', async () => {
    await expectRejected(
      h,
      (await post({ notBefore: new Date(Date.now() + 120_000) })).res,
      'outside_time_window',
    );
    assert.equal((await post({ notBefore: new Date(Date.now() + 30_000) })).res.status, 303);
  });

  it('refuses SHA-1 signatures unless the tenant allows them', async () => {
    const sha1 = samlIdp(h.idpKeys, { signatureAlgorithm: RSA_SHA1 });
    await expectRejected(h, (await post({}, { assertion: true }, sha1)).res, 'weak_algorithm');
    await h
      .admin()
      .patch('/admin/tenants/acme')
      .set('Authorization', h.t.operator)
      .send({ settings: { allowSha1: true } })
      .expect(200);
    try {
      assert.equal((await post({}, { assertion: true }, sha1)).res.status, 303);
    } finally {
      await h
        .admin()
        .patch('/admin/tenants/acme')
        .set('Authorization', h.t.operator)
        .send({ settings: { allowSha1: false } })
        .expect(200);
    }
  });

  it('refuses XML signature wrapping (a second, unsigned assertion beside the signed one)', async () => {
    const wrap = (xml: string) => {
      const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? '';
      const evil = signed
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
        .replaceAll('alice@acme.com', 'mallory@acme.com')
        .replace(/ID="[^"]+"/, 'ID="_evil"');
      return xml.replace(signed, `${evil}${signed}`);
    };
    const { res } = await post({}, { assertion: true }, undefined, wrap);
    await expectRejected(h, res, 'invalid_signature');
  });

  it('refuses a response in which nothing is signed', async () => {
    // samlify always signs something, so the signatures are cut out of its response.
    const strip = (xml: string) => {
      const stripped = xml.replace(/<ds:Signature[\s\S]*?<\/ds:Signature>/g, '');
      assert.equal(stripped.includes('SignatureValue'), false);
      return stripped;
    };
    const { res } = await post({}, { message: true }, undefined, strip);
    await expectRejected(h, res, 'invalid_signature');
  });

  it('refuses signature wrapping with the unsigned assertion after the signed one', async () => {
    const wrap = (xml: string) => {
      const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? '';
      const evil = signed
        .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '')
        .replaceAll('alice@acme.com', 'mallory@acme.com')
        .replace(/ID="[^"]+"/, 'ID="_evil"');
      return xml.replace(signed, `${signed}${evil}`);
    };
    const { res } = await post({}, { assertion: true }, undefined, wrap);
    await expectRejected(h, res, 'invalid_signature');
  });

  it('does not read alice@acme.com out of a NameID with a comment inside', async () => {
    const before = await loginsOf(h, aliceId);
    const { res } = await post({ nameId: 'alice@acme.com<!---->.evil.com', attributes: {} });
    // Read whole, the NameID is alice@acme.com.evil.com: nobody here, and jit is off.
    await expectRejected(h, res, 'not_provisioned');
    assert.equal(await loginsOf(h, aliceId), before);
  });

  it('sends the app error=access_denied from the error page', async () => {
    const { flow, res } = await post({ audience: 'https://other-sp.example/metadata' });
    const link = /href="([^"]+)"/.exec(res.text)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(link, 'the page links back to the application');
    let next = (await flow.agent.get(link)).headers.location;
    while (!next.startsWith(APP_REDIRECT)) next = (await flow.agent.get(pathOf(next))).headers.location;
    const query = new URL(next).searchParams;
    assert.equal(query.get('error'), 'access_denied');
    assert.equal(query.get('state'), flow.state);
  });
});
