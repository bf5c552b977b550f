import assert from 'node:assert/strict';
import request from 'supertest';
import { decodeJwt } from 'jose';
import { insertAccount, samlIdp, startHarness } from './support.ts';
import type { Harness } from './support.ts';
import { OFFLINE, refresh, signIn, startLogin } from './flow.ts';
import { expectRejected } from '../connections/saml/assertions.ts';

describe('account linking and revocation', function () {
  this.timeout(30000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  const tenantId = async () => (await h.t.container.storage.tenants.getBySlug('acme'))!.id;

  it('links to the account with that email when userName differs, and reuses the link next time', async () => {
    const carol = await insertAccount(h, 'carol', { email: 'carol@acme.com' });
    const first = await signIn(h, { nameId: 'carol@acme.com' });
    assert.equal(decodeJwt(String(first.token?.body.id_token)).sub, carol.id);
    const second = await signIn(h, { nameId: 'carol@acme.com', attributes: {} });
    assert.equal(decodeJwt(String(second.token?.body.id_token)).sub, carol.id);
    const events = await h.t.container.storage.audit.list(await tenantId(), null, 1000);
    assert.equal(events.filter((e) => e.type === 'account.linked' && e.target?.id === carol.id).length, 1);
  });

  it('refuses people who were not provisioned when jit is off', async () => {
    const { acs } = await signIn(h, { nameId: 'nobody@acme.com' });
    await expectRejected(h, acs, 'not_provisioned');
  });

  it('creates the account with jit on (account.created via jit)', async () => {
    await h
      .admin()
      .patch('/admin/tenants/acme')
      .set('Authorization', h.t.operator)
      .send({ settings: { jit: true } })
      .expect(200);
    try {
      const { token } = await signIn(h, {
        nameId: 'dave@acme.com',
        attributes: { email: 'dave@acme.com', firstName: 'Dave', lastName: 'Jones' },
      });
      const claims = decodeJwt(String(token?.body.id_token));
      assert.equal(claims.email, 'dave@acme.com');
      assert.equal(claims.given_name, 'Dave');
      const events = await h.t.container.storage.audit.list(await tenantId(), null, 1000);
      const provisioned = events.find((e) => e.type === 'account.created' && e.target?.id === claims.sub);
      assert.equal(provisioned?.data.via, 'jit');
    } finally {
      await h
        .admin()
        .patch('/admin/tenants/acme')
        .set('Authorization', h.t.operator)
        .send({ settings: { jit: false } })
        .expect(200);
    }
  });

  it('puts team names in the groups claim', async () => {
    const erin = await insertAccount(h, 'erin@acme.com');
    const now = new Date().toISOString();
    const team = {
      tenantId: await tenantId(),
      id: `team-${Date.now()}`,
      displayName: 'Engineering',
      externalId: null,
      attributes: {},
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await h.t.container.storage.teams.insert(team as never);
    await h.t.container.storage.memberships.add(team.tenantId, team.id as never, [erin.id]);
    const { token } = await signIn(h, { nameId: 'erin@acme.com' });
    assert.deepEqual(decodeJwt(String(token?.body.id_token)).groups, ['Engineering']);
  });

  it('issues a refresh token only for offline_access (with prompt=consent)', async () => {
    await insertAccount(h, 'frank@acme.com');
    const { token } = await signIn(h, { nameId: 'frank@acme.com' }, OFFLINE);
    assert.equal(token?.status, 200, token?.text);
    assert.equal(typeof token?.body.refresh_token, 'string');
    const renewed = await refresh(h, String(token?.body.refresh_token));
    assert.equal(renewed.status, 200, renewed.text);
  });

  it('refuses a deactivated account, and its refresh token and access token stop working', async () => {
    const gina = await insertAccount(h, 'gina@acme.com');
    const { token } = await signIn(h, { nameId: 'gina@acme.com' }, OFFLINE);
    const access = String(token?.body.access_token);
    const refreshToken = String(token?.body.refresh_token);
    const stored = (await h.t.container.storage.accounts.get(gina.tenantId, gina.id))!;
    await h.t.container.storage.accounts.update({ ...stored, active: false }, stored.version);
    await h.t.container.sessions.revokeAccount(gina.tenantId, gina.id);
    assert.equal((await refresh(h, refreshToken)).body.error, 'invalid_grant');
    assert.equal(
      (await request(h.base).get('/oauth/userinfo').set('Authorization', `Bearer ${access}`)).status,
      401,
    );
    const again = await signIn(h, { nameId: 'gina@acme.com' });
    await expectRejected(h, again.acs, 'account_inactive');
  });

  it('forces a new login when the session belongs to another tenant', async () => {
    await insertAccount(h, 'hank@acme.com');
    const { flow } = await signIn(h, { nameId: 'hank@acme.com' });
    // Same tenant: answered from the session, no trip to the IdP.
    const same = await flow.agent.get('/oauth/authorize').query({
      client_id: h.client.clientId,
      redirect_uri: 'http://127.0.0.1:9/callback',
      response_type: 'code',
      scope: 'openid',
      tenant: 'acme',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    assert.match(same.headers.location ?? '', /^http:\/\/127\.0\.0\.1:9\/callback\?code=/);
    await h.t.tenant('beta');
    const metadata = samlIdp(h.idpKeys).getMetadata();
    await h
      .admin()
      .put('/admin/tenants/beta/saml')
      .set('Authorization', h.t.operator)
      .type('application/xml')
      .send(metadata)
      .expect(200);
    // Another tenant: a new login at that tenant's IdP, not a code from acme's session.
    await startLogin(h, { tenant: 'beta' }, flow.agent);
  });

  it('chooses the tenant from the login_hint email domain', async () => {
    const started = await startLogin(h, { login_hint: 'someone@acme.com' });
    assert.ok(started.requestId.startsWith('_'));
  });
});
