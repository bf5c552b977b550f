import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real process, as `npm start` runs it: config from files and environment, SQLite under the
// data dir, listening on 127.0.0.1.

const ADMIN_KEY = 'process-test-operator-key-0123456789abcdef';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  base: string;
  stderr: () => string;
  stdout: () => string;
}

function start(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { child, base: `http://127.0.0.1:${env.PORT ?? ''}`, stderr: () => err, stdout: () => out };
}

async function waitHealthy(r: Running, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (r.child.exitCode !== null) throw new Error(`exited ${r.child.exitCode}: ${r.stderr()}`);
    try {
      const res = await fetch(`${r.base}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`not healthy within ${ms} ms: ${r.stderr()}`);
}

function stop(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null) return resolve(r.child.exitCode);
    r.child.once('exit', (code) => resolve(code));
    r.child.kill('SIGTERM');
  });
}

describe('the trustgate process', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trustgate-proc-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs with the same V8 flags under npm start and in the image', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
    const flags = (words: readonly string[]) => words.filter((word) => word.startsWith('--'));
    const npmFlags = flags(pkg.scripts.start.split(/\s+/));
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('docker/Dockerfile', 'utf8'))?.[1] ?? '[]';
    assert.ok(npmFlags.length > 0);
    assert.deepEqual(flags(JSON.parse(cmd) as string[]), npmFlags);
    assert.match(pkg.scripts.start, /\bnode .*src\/main\.ts$/);
  });

  it('serves, keeps tenants across a restart, and drains on SIGTERM', async () => {
    const port = String(await freePort());
    const env = {
      PORT: port,
      TRUSTGATE_DATA_DIR: dataDir,
      TRUSTGATE_ADMIN_KEY: ADMIN_KEY,
      TRUSTGATE_LOG_LEVEL: 'info',
    };
    const first = start(env);
    await waitHealthy(first);
    assert.equal((await fetch(`${first.base}/readyz`)).status, 200);
    const auth = { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' };
    const created = await fetch(`${first.base}/admin/tenants`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ slug: 'acme', name: 'Acme' }),
    });
    assert.equal(created.status, 201);
    const token = await fetch(`${first.base}/admin/tenants/acme/scim-tokens`, {
      method: 'POST',
      headers: auth,
    });
    assert.equal(token.status, 201);
    const secret = ((await token.json()) as { token: string }).token;
    assert.equal(await stop(first), 0, 'clean exit on SIGTERM');
    const logs = first.stdout();
    assert.match(logs, /"msg":"request"/);
    assert.match(logs, /"path":"\/admin\/tenants\/acme\/scim-tokens"/, 'the full path is logged');
    assert.match(logs, /"requestId":/);
    assert.equal(logs.includes(ADMIN_KEY), false, 'the admin key is never logged');
    assert.equal(logs.includes(secret), false, 'tokens are never logged');
    assert.equal((statSync(join(dataDir, 'master.key')).mode & 0o777).toString(8), '600');

    const second = start(env);
    await waitHealthy(second);
    const res = await fetch(`${second.base}/admin/tenants/acme`, { headers: auth });
    assert.equal(res.status, 200, 'the tenant survived the restart');
    assert.equal(await stop(second), 0);
  });

  it('generates an operator key on first start and prints it once', async () => {
    const port = String(await freePort());
    const env = { PORT: port, TRUSTGATE_DATA_DIR: dataDir, TRUSTGATE_LOG_LEVEL: 'silent' };
    const first = start(env);
    await waitHealthy(first);
    const key = /Operator key: (tgo_[A-Za-z0-9_-]+)/.exec(first.stderr())?.[1];
    assert.ok(key, first.stderr());
    assert.equal(
      (await fetch(`${first.base}/admin/tenants`, { headers: { Authorization: `Bearer ${key}` } })).status,
      200,
    );
    assert.equal(
      (await fetch(`${first.base}/admin/tenants`, { headers: { Authorization: 'Bearer nope' } })).status,
      401,
    );
    await stop(first);

    const second = start(env);
    await waitHealthy(second);
    assert.equal(/Operator key:/.test(second.stderr()), false, 'printed only once');
    assert.equal(
      (await fetch(`${second.base}/admin/tenants`, { headers: { Authorization: `Bearer ${key}` } })).status,
      200,
    );
    await stop(second);
  });

  it('exits with a message naming a bad setting, without a stack trace', async () => {
    const bad = start({ PORT: '3999', TRUSTGATE_DATA_DIR: dataDir, TRUSTGATE_PUBLIC_URL: 'nope' });
    const code = await new Promise<number | null>((resolve) => bad.child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(bad.stderr(), /publicUrl \(TRUSTGATE_PUBLIC_URL\)/);
    assert.equal(/\n\s+at /.test(bad.stderr()), false, 'no stack trace');
  });
});
