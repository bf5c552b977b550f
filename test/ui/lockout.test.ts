import assert from 'node:assert/strict';
import request from 'supertest';
import { OPERATOR_KEY, startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { browser, signIn } from './support.ts';

/** The admin page's sign-in shares the admin API's failed-authentication lockout (docs/security.md). */
describe('admin page sign-in lockout', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ lockoutFailures: 3, lockoutSeconds: 60 });
  });
  after(() => t.close());

  it('locks an address out after refused credentials, the right one included, as a page with Retry-After', async () => {
    const b = browser(t.app);
    for (let i = 0; i < 3; i += 1) {
      const form = await b.page('/admin/ui/sign-in');
      const res = await b.post('/admin/ui/sign-in', { credential: `tgo_wrong-${i}` }, form.csrf ?? '');
      assert.equal(res.status, 401, res.text.slice(0, 200));
    }
    const form = await b.page('/admin/ui/sign-in');
    const locked = await b.post('/admin/ui/sign-in', { credential: OPERATOR_KEY }, form.csrf ?? '');
    assert.equal(locked.status, 429, locked.text.slice(0, 300));
    assert.match(locked.headers['content-type'] ?? '', /text\/html/);
    assert.ok(Number(locked.headers['retry-after']) > 0, 'Retry-After');
    assert.ok(![locked.headers['set-cookie'] ?? ''].join().includes('tg_ui='), 'no session');
    // The same address is locked out of the JSON API too: one lockout per address.
    const api = await request(t.app).get('/admin/tenants').set('Authorization', `Bearer ${OPERATOR_KEY}`);
    assert.equal(api.status, 429);
  });

  it('does not count an empty form as a guess', async () => {
    const other = await startTestApp({ lockoutFailures: 1, lockoutSeconds: 60 });
    try {
      const b = browser(other.app);
      for (let i = 0; i < 3; i += 1) {
        const form = await b.page('/admin/ui/sign-in');
        assert.equal((await b.post('/admin/ui/sign-in', { credential: '' }, form.csrf ?? '')).status, 401);
      }
      const { location } = await signIn(b, OPERATOR_KEY);
      assert.match(location, /\/admin\/ui\/tenants$/);
    } finally {
      await other.close();
    }
  });
});
