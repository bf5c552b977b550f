/**
 * docs/operations.md, metrics: the series worth alerting on move with real requests, and their
 * labels are templates and closed sets, never a slug or an id.
 */
import assert from 'node:assert/strict';
import request from 'supertest';
import { scimClient, startTestApp, userBody } from '../scim/helpers.ts';
import type { TestApp } from '../scim/helpers.ts';
import { Receiver, eventually } from '../webhooks/receiver.ts';
import { insertAccount, startHarness } from '../signin/support.ts';
import type { Harness } from '../signin/support.ts';
import { signIn } from '../signin/flow.ts';

/** The value of one series in Prometheus text, 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const scrape = async (app: TestApp['app']) => (await request(app).get('/metrics').expect(200)).text;

describe('metrics', function () {
  this.timeout(30_000);

  describe('SCIM, store and webhooks', () => {
    let t: TestApp;
    let receiver: Receiver;
    before(async () => {
      t = await startTestApp({
        webhookRetryBaseSeconds: 0.05,
        webhookRetryFactor: 2,
        webhookPollSeconds: 60,
      });
      receiver = new Receiver();
      await receiver.start();
    });
    after(async () => {
      await t.close();
      await receiver.stop();
    });

    it('counts SCIM requests by operation and status, never by path or slug', async () => {
      const scim = await scimClient(t, 'metrics-co');
      assert.equal((await scim.post('/Users', userBody('ada@metrics.example'))).status, 201);
      assert.equal((await scim.post('/Users', userBody('ada@metrics.example'))).status, 409);
      const listed = await scim.get('/Users?filter=userName%20eq%20%22ada@metrics.example%22');
      assert.equal(listed.status, 200);
      const id = (listed.body as { Resources: { id: string }[] }).Resources[0]?.id;
      assert.equal((await scim.get(`/Users/${id}`)).status, 200);
      await request(t.app)
        .get('/scim/v2/metrics-co/Users')
        .set('Authorization', 'Bearer tgs_wrong')
        .expect(401);

      const text = await scrape(t.app);
      assert.equal(value(text, 'trustgate_scim_requests_total{operation="users.create",status="201"}'), 1);
      assert.equal(value(text, 'trustgate_scim_requests_total{operation="users.create",status="409"}'), 1);
      assert.equal(value(text, 'trustgate_scim_requests_total{operation="users.list",status="200"}'), 1);
      assert.equal(value(text, 'trustgate_scim_requests_total{operation="users.get",status="200"}'), 1);
      assert.equal(value(text, 'trustgate_scim_requests_total{operation="none",status="401"}'), 1);
      const labels = text.split('\n').filter((l) => l.startsWith('trustgate_'));
      assert.equal(
        labels.some((l) => l.includes('metrics-co')),
        false,
        'no slug in any label',
      );
      assert.equal(
        labels.some((l) => id !== undefined && l.includes(id)),
        false,
        'no id in any label',
      );
    });

    it('labels admin and sign-in routes by template, not by the tenant in the path', async () => {
      await request(t.app).get('/admin/tenants/metrics-co').set('Authorization', t.operator).expect(200);
      await request(t.app).get('/sso/metrics-co/saml/metadata').expect(404);
      const text = await scrape(t.app);
      assert.equal(
        value(text, 'trustgate_http_requests_total{method="GET",route="/admin/tenants/:slug/",status="200"}'),
        1,
      );
      assert.equal(
        value(
          text,
          'trustgate_http_requests_total{method="GET",route="/sso/:slug/saml/metadata",status="404"}',
        ),
        1,
      );
      assert.equal(text.includes('metrics-co'), false);
    });

    it('observes time in the store by read and write', async () => {
      const before = await scrape(t.app);
      const scim = await scimClient(t, 'store-co');
      await scim.post('/Users', userBody('bob@store.example'));
      const text = await scrape(t.app);
      for (const kind of ['read', 'write']) {
        const series = `trustgate_store_operation_duration_seconds_count{kind="${kind}"}`;
        assert.ok(value(text, series) > value(before, series), series);
      }
    });

    it('counts webhook deliveries by result and reason, and observes the lag of delivered events', async () => {
      const scim = await scimClient(t, 'hooks-co');
      const hook = await request(t.app)
        .post('/admin/tenants/hooks-co/webhooks')
        .set('Authorization', t.operator)
        .send({ url: receiver.url, types: ['account.created'] });
      assert.equal(hook.status, 201);
      receiver.answer = (_body, n) => (n === 1 ? 503 : 200);
      await scim.post('/Users', userBody('carol@hooks.example'));
      await t.container.dispatcher.tick();
      await new Promise((done) => setTimeout(done, 100));
      await t.container.dispatcher.tick();
      await eventually(() => receiver.received.length === 2, 5000, 'the second attempt');

      const text = await scrape(t.app);
      assert.equal(value(text, 'trustgate_webhook_deliveries_total{result="retrying",reason="http_5xx"}'), 1);
      assert.equal(value(text, 'trustgate_webhook_deliveries_total{result="delivered",reason="none"}'), 1);
      assert.equal(value(text, 'trustgate_webhook_delivery_lag_seconds_count'), 1);
      assert.ok(
        value(text, 'trustgate_webhook_delivery_lag_seconds_sum') > 0.05,
        'the retry delay is in the lag',
      );
    });
  });

  describe('sign-ins', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness();
    });
    after(async () => h.close());

    it('counts sign-ins by protocol, result and rejection reason', async () => {
      await insertAccount(h, 'alice@acme.com');
      const accepted = await signIn(h, { nameId: 'alice@acme.com' });
      assert.equal(accepted.acs.status, 303);
      const refused = await signIn(h, { nameId: 'nobody@acme.com' });
      assert.equal(refused.acs.status, 403);
      const text = await scrape(h.t.app);
      assert.equal(
        value(text, 'trustgate_signins_total{protocol="saml",result="accepted",reason="none"}'),
        1,
      );
      assert.equal(
        value(text, 'trustgate_signins_total{protocol="saml",result="rejected",reason="not_provisioned"}'),
        1,
      );
      assert.equal(
        value(text, 'trustgate_http_requests_total{method="POST",route="/sso/:slug/saml/acs",status="403"}'),
        1,
      );
    });
  });
});
