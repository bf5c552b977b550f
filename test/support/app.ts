import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parseConfig } from '../../src/platform/config.ts';
import type { ConfigInput } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { buildContainer } from '../../src/container.ts';
import type { Container } from '../../src/container.ts';
import { createApp } from '../../src/app.ts';
import type { App } from '../../src/app.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import type { Storage } from '../../src/storage/ports.ts';

export const OPERATOR_KEY = 'test-operator-key-0123456789abcdef0123456789';

export interface TestApp {
  readonly app: App;
  readonly container: Container;
  readonly dataDir: string;
  /** `Authorization` header value for the operator. */
  readonly operator: string;
  /** Creates a tenant and returns its slug and a fresh SCIM token. */
  tenant(slug: string, extra?: Record<string, unknown>): Promise<{ slug: string; scimToken: string }>;
  /** Sets a tenant's status as the operator (`active` or `disabled`). */
  setStatus(slug: string, status: 'active' | 'disabled'): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real app on a SQLite `:memory:` store (or `storageFile`), with a temporary data dir.
 * `storage` shares an open store with another app (a second gateway instance); `clock` drives
 * the rate-limit windows.
 */
export async function startTestApp(
  overrides: Partial<ConfigInput> = {},
  options: { storageFile?: string; storage?: Storage; clock?: () => number } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustgate-test-'));
  const config = parseConfig({
    publicUrl: 'http://127.0.0.1:3000',
    dataDir,
    adminKey: OPERATOR_KEY,
    masterKey: Buffer.alloc(32, 7).toString('base64'),
    logLevel: 'silent',
    allowInsecureIdp: true,
    allowPrivateWebhooks: true,
    ...overrides,
  });
  const storage = options.storage ?? (await createSqliteStorage(options.storageFile ?? ':memory:'));
  const container = await buildContainer(config, createLogger('silent'), {
    storage,
    defaultMetrics: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const app = createApp(container);
  const operator = `Bearer ${OPERATOR_KEY}`;
  return {
    app,
    container,
    dataDir,
    operator,
    async tenant(slug, extra = {}) {
      const created = await request(app)
        .post('/admin/tenants')
        .set('Authorization', operator)
        .send({ slug, name: slug.toUpperCase(), ...extra });
      if (created.status !== 201)
        throw new Error(`tenant ${slug}: ${created.status} ${JSON.stringify(created.body)}`);
      const token = await request(app)
        .post(`/admin/tenants/${slug}/scim-tokens`)
        .set('Authorization', operator)
        .send({});
      if (token.status !== 201) throw new Error(`scim token ${slug}: ${token.status}`);
      return { slug, scimToken: (token.body as { token: string }).token };
    },
    async setStatus(slug, status) {
      const res = await request(app)
        .patch(`/admin/tenants/${slug}`)
        .set('Authorization', operator)
        .send({ status });
      if (res.status !== 200) throw new Error(`status ${slug}: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async close() {
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
