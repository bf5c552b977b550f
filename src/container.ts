import type { Config } from './platform/config.ts';
import type { Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import type { Metrics } from './platform/metrics.ts';
import { createSecretBox } from './platform/secrets.ts';
import type { SecretBox } from './platform/secrets.ts';
import { resolveMasterKey } from './platform/master-key.ts';
import { openStorage, storageOptions } from './storage/index.ts';
import type { Storage } from './storage/ports.ts';
import { loadOperatorKeys } from './tenants/operator-key.ts';
import type { OperatorKeys } from './tenants/operator-key.ts';
import { createTokenAuthenticator } from './tenants/tokens.ts';
import type { TokenAuthenticator } from './tenants/tokens.ts';
import { createTenantService } from './tenants/service.ts';
import type { TenantService } from './tenants/service.ts';
import { createSessionRevoker } from './provider/revocation.ts';
import type { SessionRevoker } from './provider/revocation.ts';

export interface Container {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly storage: Storage;
  readonly secrets: SecretBox;
  readonly operatorKeys: OperatorKeys;
  readonly tokens: TokenAuthenticator;
  readonly tenants: TenantService;
  /** Ends an account's product sessions and tokens (SCIM deactivation, deletion). */
  readonly sessions: SessionRevoker;
  /** The operator key generated on this start (print once), else null. */
  readonly generatedAdminKey: string | null;
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** Use this store instead of the one config selects (tests pass SQLite ':memory:'). */
  readonly storage?: Storage;
  readonly defaultMetrics?: boolean;
}

/** The one composition root: every service is built here from config, nothing at module load. */
export async function buildContainer(
  config: Config,
  log: Logger,
  options: ContainerOptions = {},
): Promise<Container> {
  const storage = options.storage ?? (await openStorage(storageOptions(config)));
  try {
    const secrets = createSecretBox(
      resolveMasterKey(config.masterKey, config.dataDir, log),
      config.previousMasterKeys.map((k) => Buffer.from(k, 'base64')),
    );
    const { keys, generated } = await loadOperatorKeys(storage, config.adminKey);
    const tokens = createTokenAuthenticator(storage);
    return {
      config,
      log,
      metrics: createMetrics({ defaultMetrics: options.defaultMetrics ?? true }),
      storage,
      secrets,
      operatorKeys: keys,
      tokens,
      tenants: createTenantService(storage, { onAccessChange: () => tokens.forgetAll() }),
      sessions: createSessionRevoker(storage),
      generatedAdminKey: generated,
      close: () => storage.close(),
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
}
