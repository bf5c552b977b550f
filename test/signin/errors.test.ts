import assert from 'node:assert/strict';
import request from 'supertest';
import { startHarness } from './support.ts';
import type { Harness } from './support.ts';

/** The sign-in surfaces take an error's status from the error, and always answer with the page. */
describe('sign-in error renderer', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ bodyLimit: '64kb' });
  });
  after(() => h.close());

  const expectPage = (res: request.Response, status: number) => {
    assert.equal(res.status, status, res.text);
    assert.match(res.headers['content-type'] ?? '', /^text\/html/);
    assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'/);
    assert.match(res.text, /Reference: <code>[0-9A-F]{12}<\/code>/);
    assert.doesNotMatch(res.text, /at .*\.ts:\d+/);
  };

  it('answers an ACS post over the body limit with 413, not 500', async () => {
    const res = await request(h.base)
      .post('/sso/acme/saml/acs')
      .type('form')
      .send({ SAMLResponse: 'A'.repeat(100 * 1024), RelayState: 'x' });
    expectPage(res, 413);
  });

  it('answers an ACS post with too many form fields with 413', async () => {
    const fields = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, 'x']));
    const res = await request(h.base).post('/sso/acme/saml/acs').type('form').send(fields);
    expectPage(res, 413);
  });

  it('answers a refused sign-in with the same page and policy as any other error', async () => {
    const res = await request(h.base).post('/sso/acme/saml/acs').type('form').send({ SAMLResponse: '' });
    expectPage(res, 403);
  });

  it('renders the OpenID Provider errors with the same page policy', async () => {
    const res = await request(h.base).get('/oauth/authorize?client_id=unknown&response_type=code');
    assert.equal(res.status, 400);
    assert.equal(
      res.headers['content-security-policy'],
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});
