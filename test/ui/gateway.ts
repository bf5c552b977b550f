/**
 * The real gateway for browser tests: a SQLite file, a real HTTP server on 127.0.0.1, and the
 * public URL set to the port it got (the admin page's origin check compares against it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { parseConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { buildContainer } from '../../src/container.ts';
import type { Container } from '../../src/container.ts';
import { createApp } from '../../src/app.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { OPERATOR_KEY } from '../support/app.ts';

export interface Gateway {
  readonly url: string;
  readonly container: Container;
  close(): Promise<void>;
}

export async function startGateway(): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustgate-ui-'));
  let listener: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createHttpServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = parseConfig({
    publicUrl: url,
    dataDir,
    adminKey: OPERATOR_KEY,
    masterKey: Buffer.alloc(32, 9).toString('base64'),
    logLevel: 'silent',
    allowInsecureIdp: true,
  });
  const storage = await createSqliteStorage(join(dataDir, 'trustgate.db'));
  const container = await buildContainer(config, createLogger('silent'), { storage, defaultMetrics: false });
  listener = createApp(container);
  return {
    url,
    container,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
