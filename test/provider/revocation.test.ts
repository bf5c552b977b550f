import assert from 'node:assert/strict';
import request from 'supertest';
import { decodeJwt } from 'jose';
import { insertAccount, startHarness } from '../signin/support.ts';
import type { Harness } from '../signin/support.ts';
import { OFFLINE, refresh, signIn } from '../signin/flow.ts';

describe('session revoker', function () {
  this.timeout(30000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  it('revokes grants, tokens and sessions of the account, and only of that account', async () => {
    const ivy = await insertAccount(h, 'ivy@acme.com');
    const jon = await insertAccount(h, 'jon@acme.com');
    const ivyTokens = (await signIn(h, { nameId: 'ivy@acme.com' }, OFFLINE)).token?.body as Record<
      string,
      string
    >;
    const jonTokens = (await signIn(h, { nameId: 'jon@acme.com' }, OFFLINE)).token?.body as Record<
      string,
      string
    >;
    // Still active: only the revocation itself can make these fail.
    await h.t.container.sessions.revokeAccount(ivy.tenantId, ivy.id);
    assert.equal((await refresh(h, ivyTokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal(
      (await request(h.base).get('/oauth/userinfo').set('Authorization', `Bearer ${ivyTokens.access_token}`))
        .status,
      401,
    );
    assert.equal((await refresh(h, jonTokens.refresh_token)).status, 200);
    assert.equal((await h.t.container.storage.ephemeral.keys(`oidc:a:${ivy.id}:`)).length, 0);
    assert.ok((await h.t.container.storage.ephemeral.keys(`oidc:a:${jon.id}:`)).length > 0);
  });

  it('SCIM: a provisioned user signs in to the same account; deactivated, their tokens stop working', async () => {
    const scim = (req: request.Test) =>
      req.set('Authorization', `Bearer ${h.scimToken}`).type('application/scim+json');
    const created = await scim(request(h.base).post('/scim/v2/acme/Users')).send({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'kim@acme.com',
      name: { givenName: 'Kim', familyName: 'Lee' },
      emails: [{ value: 'kim@acme.com', primary: true, type: 'work' }],
      active: true,
    });
    assert.equal(created.status, 201, created.text);
    const id = String(created.body.id);
    const { token } = await signIn(h, { nameId: 'kim@acme.com' }, OFFLINE);
    assert.equal(decodeJwt(String(token?.body.id_token)).sub, id);
    const patched = await scim(request(h.base).patch(`/scim/v2/acme/Users/${id}`)).send({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await refresh(h, String(token?.body.refresh_token))).body.error, 'invalid_grant');
    assert.equal(
      (
        await request(h.base)
          .get('/oauth/userinfo')
          .set('Authorization', `Bearer ${String(token?.body.access_token)}`)
      ).status,
      401,
    );
    const again = await signIn(h, { nameId: 'kim@acme.com' });
    assert.equal(again.acs.status, 403);
  });
});
