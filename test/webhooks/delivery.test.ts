import assert from 'node:assert/strict';
import request from 'supertest';
import { scimClient, startTestApp, userBody } from '../scim/helpers.ts';
import type { Scim, TestApp } from '../scim/helpers.ts';
import { verifySignature } from '../../src/webhooks/signature.ts';
import { createDispatcher } from '../../src/webhooks/dispatcher.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { Receiver, eventually } from './receiver.ts';

/** Short, fixed backoff so that retries happen within a test (docs/configuration.md). */
const FAST = {
  webhookRetryBaseSeconds: 0.05,
  webhookRetryFactor: 2,
  webhookPollSeconds: 0.05,
  webhookTimeoutSeconds: 2,
};

describe('webhooks: signed, in order, retried, exactly once', () => {
  let app: TestApp;
  let scim: Scim;
  let receiver: Receiver;
  let tenants = 0;

  beforeEach(async () => {
    app = await startTestApp(FAST);
    scim = await scimClient(app, `hooks${++tenants}`);
    receiver = new Receiver();
    await receiver.start();
  });
  afterEach(async () => {
    await app.close();
    await receiver.stop();
  });

  async function subscribe(
    types: string[] | null = ['account.created'],
  ): Promise<{ id: string; secret: string }> {
    const res = await request(app.app)
      .post(`/admin/tenants/${scim.slug}/webhooks`)
      .set('Authorization', app.operator)
      .send({ url: receiver.url, ...(types ? { types } : {}) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers['cache-control'], 'no-store');
    return res.body as { id: string; secret: string };
  }

  it('delivers account.created for a SCIM POST, signed with the secret shown once', async () => {
    const { id, secret } = await subscribe();
    assert.match(secret, /^whsec_/);
    const created = await scim.post('/Users', userBody('ada@hooks.example'));
    assert.equal(created.status, 201);

    await eventually(() => receiver.received.length === 1, 5000, 'the delivery');
    const [got] = receiver.received;
    assert.ok(got);
    const header = String(got.headers['trustgate-signature']);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(verifySignature(secret, got.body, header, Math.floor(Date.now() / 1000)));
    assert.ok(
      !verifySignature(secret, `${got.body} `, header, Math.floor(Date.now() / 1000)),
      'a changed body fails',
    );
    assert.ok(!verifySignature('whsec_other', got.body, header, Math.floor(Date.now() / 1000)));
    const event = JSON.parse(got.body) as Record<string, unknown>;
    assert.equal(event['type'], 'account.created');
    assert.equal(event['tenant'], scim.slug);
    assert.deepEqual(event['target'], { type: 'account', id: created.body.id });
    assert.equal((event['data'] as { userName: string }).userName, 'ada@hooks.example');
    assert.equal(got.headers['trustgate-event-id'], event['id']);

    // The secret is never shown again; the listing shows the last delivery.
    const listed = await request(app.app)
      .get(`/admin/tenants/${scim.slug}/webhooks`)
      .set('Authorization', app.operator);
    assert.equal(listed.status, 200);
    assert.equal(JSON.stringify(listed.body).includes(secret), false);
    assert.equal(listed.body.data[0].id, id);
    assert.equal(listed.body.data[0].lastDelivery.status, 'delivered');
    assert.equal(listed.body.data[0].lastDelivery.lastStatusCode, 200);
  });

  it('retries a receiver that fails twice, and it gets the event exactly once', async () => {
    const { id } = await subscribe();
    receiver.answer = (_body, n) => (n <= 2 ? 500 : 200);
    await scim.post('/Users', userBody('bob@hooks.example'));
    await eventually(() => receiver.accepted().length === 1, 5000, 'the third attempt');
    // Give the dispatcher time to (wrongly) send again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await app.container.dispatcher.tick();

    assert.equal(receiver.received.length, 3);
    assert.deepEqual(
      receiver.received.map((r) => r.status),
      [500, 500, 200],
    );
    const ids = new Set(receiver.received.map((r) => JSON.parse(r.body).id as string));
    assert.equal(ids.size, 1, 'the same event each time');
    assert.equal(new Set(receiver.received.map((r) => r.headers['trustgate-delivery-id'])).size, 1);

    const deliveries = await request(app.app)
      .get(`/admin/tenants/${scim.slug}/webhooks/${id}/deliveries`)
      .set('Authorization', app.operator);
    assert.equal(deliveries.status, 200);
    assert.equal(deliveries.body.data.length, 1);
    assert.equal(deliveries.body.data[0].status, 'delivered');
    assert.equal(deliveries.body.data[0].attempts, 3);
    assert.equal(deliveries.body.data[0].eventType, 'account.created');
  });

  it('holds events while the receiver is down and delivers them in order when it is back', async () => {
    await subscribe();
    const port = receiver.port;
    await receiver.stop();
    const names = ['u1', 'u2', 'u3', 'u4', 'u5'].map((n) => `${n}@hooks.example`);
    for (const name of names) assert.equal((await scim.post('/Users', userBody(name))).status, 201);
    // A few failed attempts against the closed port.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(receiver.received.length, 0);

    await receiver.start(port);
    await eventually(() => receiver.accepted().length === names.length, 8000, 'all five');
    const accepted = receiver.accepted();
    assert.deepEqual(
      accepted.map((e) => e.data['userName']),
      names,
    );
    const seqs = accepted.map((e) => e.sequence);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(new Set(accepted.map((e) => e.id)).size, names.length);
  });

  it('sends only the subscribed types, and every type without `types`', async () => {
    await subscribe(null);
    const user = await scim.post('/Users', userBody('cy@hooks.example'));
    await scim.patch(`/Users/${user.body.id as string}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    await scim.del(`/Users/${user.body.id as string}`);
    await eventually(() => receiver.accepted().length >= 4, 5000, 'four events');
    assert.deepEqual(
      receiver.accepted().map((e) => e.type),
      ['webhook.created', 'account.created', 'account.deactivated', 'account.deleted'],
    );
  });

  it('never lets two dispatchers deliver one event twice (the lease)', async () => {
    await subscribe();
    // Slow answers: both dispatchers tick while a delivery is in flight.
    receiver.answer = () => 200;
    await app.container.dispatcher.stop();
    for (let i = 0; i < 6; i += 1) await scim.post('/Users', userBody(`p${i}@hooks.example`));
    const c = app.container;
    const make = () =>
      createDispatcher({
        storage: c.storage,
        secrets: c.secrets,
        log: createLogger('silent'),
        retry: { baseSeconds: 0.05, factor: 2, maxSeconds: 1, retryForSeconds: 60 },
        send: { timeoutMs: 2000, allowPrivate: true },
        pollMs: 1000,
      });
    const [one, two] = [make(), make()];
    await Promise.all([one.tick(), two.tick(), one.tick(), two.tick()]);
    await Promise.all([one.tick(), two.tick()]);
    const ids = receiver.accepted().map((e) => e.id);
    assert.equal(ids.length, 6);
    assert.equal(new Set(ids).size, 6);
  });
});

describe('webhooks: admin API', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ allowPrivateWebhooks: false });
    await app.tenant('acme');
    await app.tenant('other');
  });
  after(async () => {
    await app.close();
  });

  const post = (slug: string, body: unknown, auth = app.operator) =>
    request(app.app)
      .post(`/admin/tenants/${slug}/webhooks`)
      .set('Authorization', auth)
      .send(body as object);

  it('refuses loopback, private, link-local and plain-http targets, and bad input, with 400', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest',
      'https://localhost/hook',
      'http://hooks.example.com/x',
      'https://user:pw@hooks.example.com/x',
      'not a url',
      42,
    ]) {
      const res = await post('acme', { url });
      assert.equal(res.status, 400, `${String(url)}: ${res.status}`);
      assert.equal(res.body.error.code, 'invalid_request');
    }
    assert.equal(
      (await post('acme', { url: 'https://hooks.example.com/x', types: ['no.such'] })).status,
      400,
    );
    assert.equal((await post('acme', { url: 'https://hooks.example.com/x', types: [] })).status, 400);
    assert.equal((await post('acme', { url: 'https://hooks.example.com/x', extra: 1 })).status, 400);
    assert.equal((await post('acme', [1])).status, 400);
  });

  it('creates, lists, shows and deletes an endpoint of its own tenant only', async () => {
    const created = await post('acme', { url: 'https://hooks.example.com/x', types: ['team.created'] });
    assert.equal(created.status, 201);
    const { id } = created.body as { id: string };
    const token = await request(app.app)
      .post('/admin/tenants/other/admin-tokens')
      .set('Authorization', app.operator)
      .send({});
    const otherAdmin = `Bearer ${token.body.token as string}`;
    assert.equal(
      (await request(app.app).get('/admin/tenants/acme/webhooks').set('Authorization', otherAdmin)).status,
      403,
    );
    assert.equal(
      (await request(app.app).get(`/admin/tenants/other/webhooks/${id}`).set('Authorization', otherAdmin))
        .status,
      404,
      'an id of another tenant is not found',
    );
    const shown = await request(app.app)
      .get(`/admin/tenants/acme/webhooks/${id}`)
      .set('Authorization', app.operator);
    assert.deepEqual(shown.body.types, ['team.created']);
    assert.equal(shown.body.lastDelivery, null);
    assert.equal('secret' in shown.body, false);
    assert.equal(
      (await request(app.app).delete(`/admin/tenants/acme/webhooks/${id}`).set('Authorization', app.operator))
        .status,
      204,
    );
    assert.equal(
      (await request(app.app).delete(`/admin/tenants/acme/webhooks/${id}`).set('Authorization', app.operator))
        .status,
      404,
    );
    const bad = await request(app.app)
      .get(`/admin/tenants/acme/webhooks/${id}/deliveries?limit=0`)
      .set('Authorization', app.operator);
    assert.equal(bad.status, 400);
  });

  it('records webhook.created without the URL query, which may carry a token', async () => {
    const created = await post('acme', { url: 'https://hooks.example.com/z?key=s3cret' });
    assert.equal(created.status, 201);
    const events = await request(app.app)
      .get('/admin/tenants/acme/events?types=webhook.created')
      .set('Authorization', app.operator);
    const last = events.body.data.at(-1) as { data: { url: string } };
    assert.equal(last.data.url, 'https://hooks.example.com/z');
    assert.equal(JSON.stringify(events.body).includes('s3cret'), false);
  });

  it('stores the secret sealed, never in clear', async () => {
    const created = await post('acme', { url: 'https://hooks.example.com/y' });
    const tenant = await app.container.storage.tenants.getBySlug('acme');
    const stored = await app.container.storage.webhooks.get(tenant!.id, created.body.id as string);
    assert.ok(stored);
    assert.notEqual(stored.secret, created.body.secret);
    assert.match(stored.secret, /^v1\./);
  });
});
