import assert from 'node:assert/strict';
import type { Response } from 'supertest';
import type { Harness } from '../../signin/support.ts';

/** A refusal: the branded HTML page with a reference id, no XML or stack, and its audit event. */
export async function expectRejected(h: Harness, res: Response, code: string): Promise<void> {
  assert.equal(res.status, 403, `expected a refusal (${code}), got ${res.status} ${res.text.slice(0, 200)}`);
  assert.match(res.headers['content-type'] ?? '', /text\/html/);
  const reference = /Reference: <code>([A-Z0-9]+)<\/code>/.exec(res.text)?.[1];
  assert.ok(reference, 'the page shows a reference id');
  assert.doesNotMatch(res.text, /<samlp?:|<saml:|at .*\.ts:\d+/);
  const tenant = await h.t.container.storage.tenants.getBySlug('acme');
  const events = await h.t.container.storage.audit.list(tenant!.id, null, 1000);
  const event = events.find((e) => e.type === 'sso.login_rejected' && e.data.reference === reference);
  assert.ok(event, 'an sso.login_rejected event carries the same reference');
  assert.equal(event.data.code, code, `rejected as ${JSON.stringify(event.data)}`);
}

export async function loginsOf(h: Harness, accountId: string): Promise<number> {
  const tenant = await h.t.container.storage.tenants.getBySlug('acme');
  const events = await h.t.container.storage.audit.list(tenant!.id, null, 1000);
  return events.filter((e) => e.type === 'session.started' && e.target?.id === accountId).length;
}
