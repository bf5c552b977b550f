/**
 * `trustgate keys` (docs/operations.md, rotating the master key and the signing key): secrets
 * made under the old master key still work once the CLI has re-encrypted them and the old key
 * is gone; the signing key rotates in its two steps.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parseConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { buildContainer } from '../../src/container.ts';
import type { Container } from '../../src/container.ts';
import { createApp } from '../../src/app.ts';
import type { App } from '../../src/app.ts';
import { secretContext } from '../../src/webhooks/service.ts';
import { opensslKeyPair, samlIdp } from '../signin/support.ts';
import { cli, json } from './helpers.ts';

const OLD_KEY = Buffer.alloc(32, 1).toString('base64');
const NEW_KEY = Buffer.alloc(32, 2).toString('base64');
const OPERATOR = 'cli-test-operator-key-0123456789abcdef0123';

interface Gateway {
  readonly app: App;
  readonly container: Container;
  close(): Promise<void>;
}

/** The real app on the data dir's SQLite file, with these master keys. */
async function gateway(dataDir: string, masterKey: string, previous: string[] = []): Promise<Gateway> {
  const config = parseConfig({
    dataDir,
    masterKey,
    previousMasterKeys: previous,
    adminKey: OPERATOR,
    logLevel: 'silent',
    allowInsecureIdp: true,
    allowPrivateWebhooks: true,
  });
  const container = await buildContainer(config, createLogger('silent'), {
    defaultMetrics: false,
    background: false,
  });
  return { app: createApp(container), container, close: () => container.close() };
}

interface Report {
  keyId: string;
  dryRun: boolean;
  kinds: Record<string, { checked: number; stale: number; resealed: number }>;
  failures: { kind: string; target: string; reason: string }[];
}

const staleCounts = (r: Report) => Object.fromEntries(Object.entries(r.kinds).map(([k, n]) => [k, n.stale]));
const resealedCounts = (r: Report) =>
  Object.fromEntries(Object.entries(r.kinds).map(([k, n]) => [k, n.resealed]));

describe('trustgate keys', function () {
  this.timeout(90_000);
  let dir: string;
  const auth = `Bearer ${OPERATOR}`;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('re-encrypts every secret under the new master key, resumably, and they work without the old one', async () => {
    const old = { TRUSTGATE_DATA_DIR: dir, TRUSTGATE_MASTER_KEY: OLD_KEY };
    assert.equal((await cli(old, 'tenant', 'create', 'acme')).code, 0);
    const client = json<{ clientId: string; clientSecret: string }>(
      await cli(
        old,
        'client',
        'create',
        '--name',
        'App',
        '--redirect-uri',
        'https://app.example/cb',
        '--json',
      ),
    );

    // Secrets of every kind, sealed under the old key: a SAML SP key, a webhook secret, the provider's keys.
    const before = await gateway(dir, OLD_KEY);
    const metadata = samlIdp(opensslKeyPair()).getMetadata();
    await request(before.app)
      .put('/admin/tenants/acme/saml')
      .set('Authorization', auth)
      .type('application/samlmetadata+xml')
      .send(metadata)
      .expect(200);
    const hook = await request(before.app)
      .post('/admin/tenants/acme/webhooks')
      .set('Authorization', auth)
      .send({ url: 'http://127.0.0.1:9/hook' })
      .expect(201);
    const jwks = await request(before.app).get('/oauth/jwks').set('Host', '127.0.0.1:3000').expect(200);
    const kids = (jwks.body as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    await before.close();

    const rotated = { TRUSTGATE_DATA_DIR: dir, TRUSTGATE_MASTER_KEY: NEW_KEY };
    const withPrevious = { ...rotated, TRUSTGATE_PREVIOUS_MASTER_KEYS: OLD_KEY };

    const dry = json<Report>(await cli(withPrevious, 'keys', 'rotate', '--master', '--dry-run', '--json'));
    assert.equal(dry.dryRun, true);
    assert.deepEqual(staleCounts(dry), {
      saml_sp_key: 1,
      oidc_client_secret: 0,
      client_secret: 1,
      webhook_secret: 1,
      provider_signing_keys: 1,
      provider_cookie_keys: 1,
    });
    assert.deepEqual(Object.values(resealedCounts(dry)), [0, 0, 0, 0, 0, 0], 'a dry run writes nothing');

    // Without the old key nothing opens: reported, left as it is, exit 1.
    const blind = await cli(rotated, 'keys', 'rotate', '--master', '--json');
    assert.equal(blind.code, 1);
    const refused = json<Report>(blind);
    assert.equal(refused.failures.length, 5);
    assert.match(refused.failures[0]?.reason ?? '', /unknown master key/);
    assert.equal(JSON.stringify(refused).includes('PRIVATE KEY'), false);
    assert.match(blind.stderr, /reseal_incomplete/);

    const done = await cli(withPrevious, 'keys', 'rotate', '--master', '--json');
    assert.equal(done.code, 0, done.stderr);
    const report = json<Report>(done);
    assert.deepEqual(resealedCounts(report), staleCounts(dry));
    assert.deepEqual(report.failures, []);
    assert.equal(done.stdout.includes(client.clientSecret), false, 'no secret is printed');

    const again = json<Report>(await cli(withPrevious, 'keys', 'rotate', '--master', '--json'));
    assert.deepEqual(Object.values(staleCounts(again)), [0, 0, 0, 0, 0, 0], 'a second run has nothing to do');

    // The old key is gone; everything sealed before still works.
    const after = await gateway(dir, NEW_KEY);
    try {
      const token = await request(after.app)
        .post('/oauth/token')
        .set('Host', '127.0.0.1:3000')
        .auth(client.clientId, client.clientSecret)
        .type('form')
        .send({
          grant_type: 'authorization_code',
          code: 'no-such-code',
          redirect_uri: 'https://app.example/cb',
        });
      assert.equal(token.body.error, 'invalid_grant', 'the client authenticated with its secret');
      const wrong = await request(after.app)
        .post('/oauth/token')
        .set('Host', '127.0.0.1:3000')
        .auth(client.clientId, 'not-the-secret')
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://app.example/cb' });
      assert.equal(wrong.body.error, 'invalid_client');
      await request(after.app).get('/sso/acme/saml/login').expect(303);
      const served = await request(after.app).get('/oauth/jwks').set('Host', '127.0.0.1:3000').expect(200);
      assert.deepEqual(
        (served.body as { keys: { kid: string }[] }).keys.map((k) => k.kid),
        kids,
        'the same signing keys',
      );
      const tenant = await after.container.storage.tenants.getBySlug('acme');
      const endpoint = await after.container.storage.webhooks.get(tenant!.id, hook.body.id as string);
      assert.ok(after.container.secrets.decrypt(endpoint!.secret, secretContext(endpoint!)).length > 0);

      const audit = await request(after.app)
        .get('/admin/tenants/acme/audit?limit=100')
        .set('Authorization', auth)
        .expect(200);
      const resealed = (
        audit.body as { data: { type: string; actor: unknown; data: { kind: string } }[] }
      ).data
        .filter((e) => e.type === 'secret.resealed')
        .map((e) => [e.data.kind, e.actor]);
      const cliActor = { type: 'operator', id: 'cli' };
      assert.deepEqual(resealed, [
        ['saml_sp_key', cliActor],
        ['webhook_secret', cliActor],
      ]);
    } finally {
      await after.close();
    }
  });

  it('rotates the signing key in two steps: published first, then signing, the oldest retired', async () => {
    const env = { TRUSTGATE_DATA_DIR: dir, TRUSTGATE_MASTER_KEY: OLD_KEY };
    const list = async () =>
      json<{ signingKeys: { kid: string; signs: boolean }[] }>(await cli(env, 'keys', 'list', '--json'));
    const first = (await list()).signingKeys;
    assert.equal(first.length, 1);
    const added = json<{ kid: string; keys: { kid: string; signs: boolean }[] }>(
      await cli(env, 'keys', 'rotate', '--signing', '--json'),
    );
    assert.deepEqual(
      added.keys.map((k) => [k.kid, k.signs]),
      [
        [first[0]?.kid, true],
        [added.kid, false],
      ],
    );
    const gw = await gateway(dir, OLD_KEY);
    const published = await request(gw.app).get('/oauth/jwks').set('Host', '127.0.0.1:3000').expect(200);
    assert.deepEqual(
      (published.body as { keys: { kid: string }[] }).keys.map((k) => k.kid),
      [first[0]?.kid, added.kid],
      'the new key is published before it signs',
    );
    await gw.close();

    const promoted = json<{ kid: string; retired: string[] }>(
      await cli(env, 'keys', 'rotate', '--signing', '--promote', added.kid, '--json'),
    );
    assert.deepEqual(promoted.retired, []);
    const third = json<{ kid: string }>(await cli(env, 'keys', 'rotate', '--signing', '--json'));
    const last = json<{ retired: string[]; keys: { kid: string; signs: boolean }[] }>(
      await cli(env, 'keys', 'rotate', '--signing', '--promote', third.kid, '--json'),
    );
    assert.deepEqual(last.retired, [first[0]?.kid], 'beyond the two newest, the oldest goes');
    assert.deepEqual(
      last.keys.map((k) => [k.kid, k.signs]),
      [
        [third.kid, true],
        [added.kid, false],
      ],
    );
    const unknown = await cli(env, 'keys', 'rotate', '--signing', '--promote', 'no-such-kid');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no signing key no-such-kid/);
  });
});
