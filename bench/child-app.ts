/** The servers bench/child.ts starts: the bare Express route, or the gateway on the seeded store. */
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import helmet from 'helmet';
import { createApp } from '../src/app.ts';
import { buildContainer } from '../src/container.ts';
import { parseConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { openStorage } from '../src/storage/index.ts';
import { benchConfig } from './config.ts';

/** The ceiling: Express 5 + helmet answering a small JSON body. */
function bareApp(): Express {
  const app = express();
  app.use(helmet());
  app.get('/ping', (_req, res) => {
    res.json({ ok: true, at: 'bare' });
  });
  return app;
}

/** The real gateway (src/app.ts) on the durable SQLite file the parent seeded. */
async function gatewayApp(dataDir: string): Promise<RequestListener> {
  const config = parseConfig(benchConfig(dataDir));
  const storage = await openStorage({ driver: 'sqlite', file: `${dataDir}/trustgate.db` });
  const container = await buildContainer(config, createLogger(config.logLevel), {
    storage,
    defaultMetrics: false,
  });
  return createApp(container);
}

const [kind, dataDir] = process.argv.slice(2);
const app = kind === 'bare' ? bareApp() : await gatewayApp(dataDir ?? '');
const server = createServer(app).listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
