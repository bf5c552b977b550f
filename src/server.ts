/** The gateway process: configuration, container, HTTP server, draining on SIGTERM (entry: main.ts). */
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './platform/config.ts';
import { createLogger } from './platform/logger.ts';
import type { Logger } from './platform/logger.ts';
import { buildContainer } from './container.ts';
import type { Container } from './container.ts';
import { createApp } from './app.ts';
import { createHttpServer } from './platform/http/server.ts';

const DRAIN_MS = 10_000;

function announceGeneratedKey(key: string): void {
  // Printed once, to the terminal only (never logged): only its hash is stored.
  process.stderr.write(
    [
      '',
      '  ┌──────────────────────────────────────────────────────────────────────────────┐',
      '  │ No TRUSTGATE_ADMIN_KEY was set: generated an operator key. It is shown ONCE.   │',
      '  └──────────────────────────────────────────────────────────────────────────────┘',
      `  Operator key: ${key}`,
      '  Use it as: Authorization: Bearer <key>   (set TRUSTGATE_ADMIN_KEY to choose your own)',
      '',
    ].join('\n'),
  );
}

function drainOnSignals(server: Server, container: Container, log: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, draining');
    const force = setTimeout(() => {
      log.warn('drain timed out, closing remaining connections');
      server.closeAllConnections();
    }, DRAIN_MS);
    force.unref();
    server.close(() => {
      container
        .close()
        .then(() => log.info('stopped'))
        .catch((err: unknown) => log.error({ err }, 'store did not close cleanly'))
        .finally(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`trustgate: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const container = await buildContainer(config, log);
  if (container.generatedAdminKey) announceGeneratedKey(container.generatedAdminKey);
  const app = createApp(container);
  const server = createHttpServer(app);
  server.listen(config.port, config.host, () => {
    log.info(
      {
        url: `http://${config.host}:${config.port}`,
        publicUrl: config.publicUrl,
        storage: container.storage.driver,
      },
      'listening',
    );
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  drainOnSignals(server, container, log);
}

main().catch((err: unknown) => {
  process.stderr.write(`trustgate: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
