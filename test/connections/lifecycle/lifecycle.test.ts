import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestApp } from '../../support/app.ts';
import type { TestApp } from '../../support/app.ts';
import { opensslKeyPair, samlIdp } from '../../signin/support.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { refreshSamlMetadata } from '../../../src/connections/lifecycle/refresh.ts';
import { checkCertificateExpiry } from '../../../src/connections/lifecycle/expiry.ts';
import { createLifecycle } from '../../../src/connections/lifecycle/scheduler.ts';
import { samlConnectionOf } from '../../../src/connections/saml/connection.ts';
import { describeCertificate } from '../../../src/connections/saml/metadata.ts';

const DAY = 86_400_000;

describe('IdP lifecycle: SAML metadata refresh and certificate expiry', function () {
  this.timeout(30000);
  let t: TestApp;
  let server: Server;
  let served = { status: 200, body: '' };
  const first = opensslKeyPair('idp-2025');
  const next = opensslKeyPair('idp-2026');

  const tenant = async () => (await t.container.storage.tenants.getBySlug('acme'))!;
  const events = async (type: string) =>
    (await t.container.storage.audit.list((await tenant()).id, null, 500)).filter((e) => e.type === type);
  const deps = () => ({ allowInsecureIdp: true, audit: t.container.audit });

  before(async () => {
    t = await startTestApp();
    server = createServer((_req, res) => res.writeHead(served.status).end(served.body));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    served = { status: 200, body: samlIdp(first).getMetadata() };
    await t.tenant('acme');
    const put = await request(t.app)
      .put('/admin/tenants/acme/saml')
      .set('Authorization', t.operator)
      .send({ metadataUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metadata` });
    assert.equal(put.status, 200, put.text);
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('picks up a new signing certificate the IdP publishes', async () => {
    assert.equal(await refreshSamlMetadata(deps(), await tenant()), 'unchanged');
    // The IdP publishes the next certificate beside the current one before rolling over.
    served = { status: 200, body: samlIdp(first, { metadataCert: next.cert }).getMetadata() };
    assert.equal(await refreshSamlMetadata(deps(), await tenant()), 'updated');
    const certs = samlConnectionOf(await tenant())!.idp.certificates;
    assert.equal(describeCertificate(certs[0]).fingerprint256, describeCertificate(next.cert).fingerprint256);
    const updated = await events('connection.updated');
    assert.deepEqual(updated.at(-1)?.actor, { type: 'system', id: null });
  });

  it('keeps the last good metadata when a refresh fails or is invalid, and records connection.refresh_failed', async () => {
    const before = samlConnectionOf(await tenant())!.idp;
    for (const bad of [
      { status: 500, body: 'down' },
      { status: 200, body: '<not-metadata/>' },
      { status: 200, body: '<!DOCTYPE x><x/>' },
    ]) {
      served = bad;
      assert.equal(await refreshSamlMetadata(deps(), await tenant()), 'failed');
      assert.deepEqual(samlConnectionOf(await tenant())!.idp, before);
    }
    const failed = await events('connection.refresh_failed');
    assert.equal(failed.length, 3);
    assert.equal(failed[0]?.data.kind, 'saml');
    assert.match(failed[0]?.data.reason as string, /HTTP 500/);
  });

  it('records certificate expiry 30 and 7 days ahead, once each, and sets the gauge', async () => {
    const expiry = {
      audit: t.container.audit,
      ephemeral: t.container.storage.ephemeral,
      metrics: t.container.metrics,
    };
    const current = samlConnectionOf(await tenant())!.idp.certificates[0];
    const notAfter = Date.parse(describeCertificate(current).notAfter);
    await checkCertificateExpiry(expiry, await tenant(), notAfter - 40 * DAY);
    assert.equal((await events('connection.certificate_expiring')).length, 0);
    await checkCertificateExpiry(expiry, await tenant(), notAfter - 20 * DAY);
    await checkCertificateExpiry(expiry, await tenant(), notAfter - 19 * DAY);
    await checkCertificateExpiry(expiry, await tenant(), notAfter - 5 * DAY);
    await checkCertificateExpiry(expiry, await tenant(), notAfter - 4 * DAY);
    const announced = await events('connection.certificate_expiring');
    assert.deepEqual(
      announced.map((e) => [e.data.threshold, e.data.daysLeft]),
      [
        [30, 20],
        [7, 5],
      ],
    );
    const gauge = await t.container.metrics.registry.getSingleMetricAsString(
      'trustgate_idp_certificate_expiry_days',
    );
    assert.match(gauge, /trustgate_idp_certificate_expiry_days\{tenant="acme"\} 4/);
  });

  it('refreshes on a schedule (a short interval here), with timers that do not hold the process', async () => {
    served = { status: 200, body: samlIdp(first).getMetadata() };
    const lifecycle = createLifecycle({
      ...deps(),
      ephemeral: t.container.storage.ephemeral,
      metrics: t.container.metrics,
      tenants: t.container.storage.tenants,
      log: createLogger('silent'),
      intervalMs: 50,
    });
    lifecycle.start();
    try {
      const deadline = Date.now() + 5000;
      const wanted = describeCertificate(first.cert).fingerprint256;
      const now = async () =>
        describeCertificate(samlConnectionOf(await tenant())!.idp.certificates[0]).fingerprint256;
      while ((await now()) !== wanted && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      lifecycle.stop();
    }
    const certs = samlConnectionOf(await tenant())!.idp.certificates;
    assert.equal(
      describeCertificate(certs[0]).fingerprint256,
      describeCertificate(first.cert).fingerprint256,
    );
  });

  it('shows days to expiry of each certificate in GET /admin/tenants/{slug}/saml', async () => {
    const res = await request(t.app).get('/admin/tenants/acme/saml').set('Authorization', t.operator);
    assert.equal(res.status, 200);
    const [cert] = res.body.idp.certificates as { daysToExpiry: number }[];
    assert.ok(cert && cert.daysToExpiry >= 0 && cert.daysToExpiry <= 2, JSON.stringify(cert));
  });

  it('drops the gauge of a tenant that is disabled (or deleted, or loses its connection) at the next pass', async () => {
    served = { status: 200, body: samlIdp(first).getMetadata() };
    const lifecycle = createLifecycle({
      ...deps(),
      ephemeral: t.container.storage.ephemeral,
      metrics: t.container.metrics,
      tenants: t.container.storage.tenants,
      log: createLogger('silent'),
      intervalMs: 0,
    });
    const gauge = () =>
      t.container.metrics.registry.getSingleMetricAsString('trustgate_idp_certificate_expiry_days');
    await lifecycle.runOnce();
    assert.match(await gauge(), /\{tenant="acme"\}/);
    await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', t.operator)
      .send({ status: 'disabled' })
      .expect(200);
    await lifecycle.runOnce();
    assert.doesNotMatch(await gauge(), /\{tenant="acme"\}/);
    await request(t.app)
      .patch('/admin/tenants/acme')
      .set('Authorization', t.operator)
      .send({ status: 'active' })
      .expect(200);
  });
});
