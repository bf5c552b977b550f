/**
 * The `trustgate` command (docs/operations.md, the trustgate command), run as an operator runs
 * it: a child process on a real SQLite file, then the real gateway process on the same file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/run.ts';
import { cli, cliInProcess, json, startServer } from './helpers.ts';

const MASTER_KEY = Buffer.alloc(32, 3).toString('base64');
const SCIM = 'application/scim+json';

describe('trustgate CLI', function () {
  this.timeout(90_000);
  let dir: string;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trustgate-cli-'));
    env = { TRUSTGATE_DATA_DIR: dir, TRUSTGATE_MASTER_KEY: MASTER_KEY };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a tenant and a SCIM token that then work over HTTP; revoke and suspend take effect there', async () => {
    const created = await cli(env, 'tenant', 'create', 'acme', '--name', 'Acme Inc', '--domain', 'acme.com');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created tenant acme \(Acme Inc\)/);
    const minted = await cli(env, 'scim-token', 'create', 'acme', '--label', 'okta', '--json');
    assert.equal(minted.code, 0, minted.stderr);
    const token = json<{ id: string; token: string; label: string }>(minted);
    assert.match(token.token, /^tgs_/);
    assert.equal(token.label, 'okta');

    // No operator key was configured: the CLI does not mint one nobody sees; the first server start does.
    const server = await startServer(env);
    try {
      assert.match(server.stderr(), /Operator key: tgo_/);
      const scim = (bearer: string) =>
        fetch(`${server.base}/scim/v2/acme/Users`, { headers: { Authorization: `Bearer ${bearer}` } });
      const first = await scim(token.token);
      assert.equal(first.status, 200);
      assert.equal(((await first.json()) as { totalResults: number }).totalResults, 0);
      const provisioned = await fetch(`${server.base}/scim/v2/acme/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token.token}`, 'Content-Type': SCIM },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'ada@acme.com',
        }),
      });
      assert.equal(provisioned.status, 201);

      // Changes made by the CLI while the server runs: its authentication cache lasts a second.
      const second = json<{ token: string }>(await cli(env, 'scim-token', 'create', 'acme', '--json'));
      const revoked = await cli(env, 'scim-token', 'revoke', 'acme', token.id);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal((await cli(env, 'tenant', 'suspend', 'acme')).code, 0);
      await new Promise((done) => setTimeout(done, 1200));
      assert.equal((await scim(token.token)).status, 401, 'the revoked token is refused');
      const suspended = await scim(second.token);
      assert.equal(suspended.status, 403, 'a suspended tenant is refused in SCIM’s shape');
      assert.match(suspended.headers.get('content-type') ?? '', /application\/scim\+json/);
      assert.equal((await cli(env, 'tenant', 'resume', 'acme')).code, 0);
      await new Promise((done) => setTimeout(done, 1200));
      assert.equal((await scim(second.token)).status, 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }

    // Every change is in the audit trail, by the operator through the CLI.
    const listed = json<{ data: { slug: string; status: string }[] }>(
      await cli(env, 'tenant', 'list', '--json'),
    );
    assert.deepEqual(
      listed.data.map((t) => [t.slug, t.status]),
      [['acme', 'active']],
    );
  });

  it('answers --help on the root, on each group and on every command, on stdout with exit 0', async () => {
    const root = await cli({}, '--help');
    assert.equal(root.code, 0);
    for (const command of COMMANDS) assert.ok(root.stdout.includes(command.name), command.name);
    const child = await cli({}, 'tenant', 'create', '--help');
    assert.equal(child.code, 0);
    assert.match(child.stdout, /^Usage: trustgate tenant create <slug>/);
    for (const command of COMMANDS) {
      const help = await cliInProcess(...command.name.split(' '), '--help');
      assert.equal(help.code, 0, command.name);
      assert.match(help.stdout, new RegExp(`^Usage: trustgate ${command.name}`), command.name);
      assert.match(help.stdout, /--json/);
      assert.equal(help.stderr, '');
    }
    for (const group of ['tenant', 'scim-token', 'admin-token', 'client', 'keys']) {
      const help = await cliInProcess(group, '--help');
      assert.equal(help.code, 0, group);
      assert.match(help.stdout, new RegExp(`^Usage: trustgate ${group} <`));
    }
  });

  it('refuses usage errors with exit 2 on stderr, nothing on stdout, and touches no store', async () => {
    const cases: [string[], RegExp][] = [
      [[], /Usage: trustgate <command>/],
      [['frobnicate'], /unknown command: frobnicate/],
      [['tenant', 'explode'], /unknown command: tenant explode/],
      [['tenant'], /Usage: trustgate tenant </],
      [['tenant', 'create'], /missing <slug>/],
      [['tenant', 'create', 'a', 'b'], /unexpected argument: b/],
      [['tenant', 'create', 'acme', '--colour', 'red'], /Unknown option '--colour'/],
      [['tenant', 'create', 'acme', '--name'], /--name/],
      [['scim-token', 'revoke', 'acme'], /missing <tokenId>/],
      [['client', 'create', '--redirect-uri', 'https://app.example/cb'], /--name is required/],
      [['keys', 'rotate'], /exactly one of --signing and --master/],
      [['keys', 'rotate', '--master', '--promote', 'x'], /--promote goes with --signing/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(env, ...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
    }
    const asJson = await cli(env, 'frobnicate', '--json');
    assert.equal(asJson.code, 2);
    assert.deepEqual(JSON.parse(asJson.stderr), {
      error: { code: 'usage', message: 'unknown command: frobnicate' },
    });
    assert.equal(existsSync(join(dir, 'trustgate.db')), false);

    const badConfig = await cli({ ...env, TRUSTGATE_MASTER_KEY: 'short' }, 'tenant', 'list');
    assert.equal(badConfig.code, 2);
    assert.match(badConfig.stderr, /masterKey \(TRUSTGATE_MASTER_KEY\)/);
  });

  it('refuses what the service refuses with exit 1: a duplicate tenant, a bad slug, an unknown tenant', async () => {
    assert.equal((await cli(env, 'tenant', 'create', 'acme')).code, 0);
    const duplicate = await cli(env, 'tenant', 'create', 'acme');
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /trustgate: slug is already taken/);
    assert.equal(duplicate.stdout, '');
    const asJson = await cli(env, 'tenant', 'create', 'acme', '--json');
    assert.equal(asJson.code, 1);
    assert.deepEqual(JSON.parse(asJson.stderr), {
      error: { code: 'conflict', message: 'slug is already taken' },
    });
    const badSlug = await cli(env, 'tenant', 'create', 'Not A Slug');
    assert.equal(badSlug.code, 1);
    assert.match(badSlug.stderr, /slug: lowercase letters/);
    const unknown = await cli(env, 'scim-token', 'create', 'nope', '--json');
    assert.equal(unknown.code, 1);
    assert.equal((JSON.parse(unknown.stderr) as { error: { code: string } }).error.code, 'tenant_not_found');
    const noToken = await cli(env, 'scim-token', 'revoke', 'acme', 'no-such-id');
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /no scim token no-such-id/);
    const badUri = await cli(
      env,
      'client',
      'create',
      '--name',
      'App',
      '--redirect-uri',
      'http://app.example/cb',
    );
    assert.equal(badUri.code, 1);
    assert.match(badUri.stderr, /redirectUris\.0: an https URL/);
  });

  it('prints one JSON document with --json, and the minted secrets only once', async () => {
    const tenant = json<{ slug: string; status: string; id: string }>(
      await cli(env, 'tenant', 'create', 'globex', '--json'),
    );
    assert.equal(tenant.slug, 'globex');
    assert.equal(tenant.status, 'active');
    const admin = json<{ token: string; kind: string }>(
      await cli(env, 'admin-token', 'create', 'globex', '--json'),
    );
    assert.match(admin.token, /^tga_/);
    assert.equal(admin.kind, 'admin');
    const tokens = await cli(env, 'admin-token', 'list', 'globex', '--json');
    assert.equal(tokens.stdout.includes(admin.token), false, 'listings never show a token');
    assert.equal(json<{ data: unknown[] }>(tokens).data.length, 1);
    const client = json<{ clientId: string; clientSecret: string; redirectUris: string[] }>(
      await cli(
        env,
        'client',
        'create',
        '--name',
        'App',
        '--redirect-uri',
        'https://app.example/cb',
        '--json',
      ),
    );
    assert.match(client.clientId, /^app_/);
    assert.ok(client.clientSecret.length >= 40);
    assert.deepEqual(client.redirectUris, ['https://app.example/cb']);
    const clients = await cli(env, 'client', 'list', '--json');
    assert.equal(clients.stdout.includes(client.clientSecret), false);
    assert.equal(json<{ data: { clientId: string }[] }>(clients).data[0]?.clientId, client.clientId);
  });

  it('migrate --status reports without creating the store; migrate applies and reports', async () => {
    const fresh = json<{ driver: string; version: number; latest: number; pending: { version: number }[] }>(
      await cli(env, 'migrate', '--status', '--json'),
    );
    assert.equal(fresh.driver, 'sqlite');
    assert.equal(fresh.version, 0);
    assert.ok(fresh.latest >= 2);
    assert.deepEqual(
      fresh.pending.map((m) => m.version),
      Array.from({ length: fresh.latest }, (_, i) => i + 1),
    );
    assert.equal(existsSync(join(dir, 'trustgate.db')), false, '--status changes nothing');
    const applied = json<{ version: number; applied: { version: number }[]; pending: unknown[] }>(
      await cli(env, 'migrate', '--json'),
    );
    assert.equal(applied.version, fresh.latest);
    assert.equal(applied.applied.length, fresh.latest);
    assert.deepEqual(applied.pending, []);
    const again = await cli(env, 'migrate');
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to apply/);
    const status = await cli(env, 'migrate', '--status');
    assert.match(status.stdout, new RegExp(`schema version ${fresh.latest} of ${fresh.latest}`));
    assert.match(status.stdout, /Up to date/);
  });
});
