import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig, parseConfig } from '../../src/platform/config.ts';

describe('config', () => {
  it('loads defaults from config/default.json', () => {
    const config = loadConfig({}, 'config');
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.publicUrl, 'http://127.0.0.1:3000');
    assert.equal(config.bodyLimit, '1mb');
    assert.equal(config.mongodbUri, undefined);
  });

  it('applies environment overrides and the NODE_ENV file', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'test',
        PORT: '4100',
        TRUSTGATE_PUBLIC_URL: 'https://id.example.com/',
        TRUSTGATE_ALLOW_INSECURE_IDP: '0',
        TRUSTGATE_PREVIOUS_MASTER_KEYS: `${Buffer.alloc(32, 1).toString('base64')}, ${Buffer.alloc(32, 2).toString('base64')}`,
      },
      'config',
    );
    assert.equal(config.port, 4100);
    assert.equal(config.publicUrl, 'https://id.example.com', 'trailing slash trimmed');
    assert.equal(config.logLevel, 'silent', 'from config/test.json');
    assert.equal(config.allowInsecureIdp, false, 'env beats the file');
    assert.equal(config.previousMasterKeys.length, 2);
  });

  it('is frozen', () => {
    const config = loadConfig({}, 'config');
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('names the bad key and its variable', () => {
    assert.throws(
      () => loadConfig({ TRUSTGATE_PUBLIC_URL: 'not a url' }, 'config'),
      (err: unknown) => err instanceof ConfigError && /publicUrl \(TRUSTGATE_PUBLIC_URL\)/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ TRUSTGATE_MASTER_KEY: 'c2hvcnQ=' }, 'config'),
      (err: unknown) =>
        err instanceof ConfigError && /TRUSTGATE_MASTER_KEY.*32 random bytes/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ TRUSTGATE_ADMIN_KEY: 'short' }, 'config'),
      (err: unknown) => err instanceof ConfigError && /TRUSTGATE_ADMIN_KEY.*32 characters/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ PORT: 'eighty' }, 'config'),
      (err: unknown) => err instanceof ConfigError && /port \(PORT\)/.test(err.message),
    );
    assert.throws(
      () => parseConfig({ bodyLimit: 'lots' }),
      (err: unknown) => err instanceof ConfigError && /bodyLimit/.test(err.message),
    );
  });

  it('selects MongoDB only from a mongodb URI', () => {
    assert.equal(
      loadConfig({ MONGODB_URI: 'mongodb://db:27017/x?replicaSet=rs0' }, 'config').mongodbUri?.startsWith(
        'mongodb://',
      ),
      true,
    );
    assert.throws(() => loadConfig({ MONGODB_URI: 'postgres://x' }, 'config'), /mongodbUri \(MONGODB_URI\)/);
  });

  it('docs/configuration.md documents every variable', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    for (const { env } of describeConfig())
      assert.ok(doc.includes(`\`${env}\``), `${env} missing from docs/configuration.md`);
  });

  it('refuses allowInsecureIdp from a config file in production, unless the variable sets it explicitly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustgate-config-'));
    try {
      writeFileSync(join(dir, 'production.json'), JSON.stringify({ allowInsecureIdp: true }));
      assert.throws(
        () => loadConfig({ NODE_ENV: 'production' }, dir),
        (err: unknown) => err instanceof ConfigError && /TRUSTGATE_ALLOW_INSECURE_IDP/.test(err.message),
      );
      assert.equal(
        loadConfig({ NODE_ENV: 'production', TRUSTGATE_ALLOW_INSECURE_IDP: '1' }, dir).allowInsecureIdp,
        true,
      );
      assert.equal(
        loadConfig({ NODE_ENV: 'production' }, 'config').allowInsecureIdp,
        false,
        'off by default',
      );
      assert.equal(loadConfig({ NODE_ENV: 'test' }, 'config').allowInsecureIdp, true, 'config/test.json');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
