import type Provider from 'oidc-provider';
import type { Config } from './platform/config.ts';
import type { Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import type { Metrics } from './platform/metrics.ts';
import { createSecretBox } from './platform/secrets.ts';
import type { SecretBox } from './platform/secrets.ts';
import { resolveMasterKey } from './platform/master-key.ts';
import { openStorage, storageOptions } from './storage/index.ts';
import type { Storage } from './storage/ports.ts';
import { createAuditRecorder } from './audit/record.ts';
import type { AuditRecorder } from './audit/record.ts';
import { loadOperatorKeys } from './tenants/operator-key.ts';
import type { OperatorKeys } from './tenants/operator-key.ts';
import { createTokenAuthenticator } from './tenants/tokens.ts';
import type { TokenAuthenticator } from './tenants/tokens.ts';
import { createTenantService } from './tenants/service.ts';
import type { TenantService } from './tenants/service.ts';
import { createAccountService } from './directory/accounts.ts';
import type { AccountService } from './directory/accounts.ts';
import { createTeamService } from './directory/teams.ts';
import type { TeamService } from './directory/teams.ts';
import { createSessionRevoker } from './provider/revocation.ts';
import type { SessionRevoker } from './provider/revocation.ts';
import { createSignInRecords } from './provider/account.ts';
import { createClientService } from './provider/clients.ts';
import type { ClientService } from './provider/clients.ts';
import { lazyProvider } from './provider/provider.ts';
import { createAccountLinker } from './signin/linking.ts';
import { createSignIn } from './signin/service.ts';
import type { SignIn } from './signin/service.ts';
import { createSamlService } from './connections/saml/service.ts';
import type { SamlService } from './connections/saml/service.ts';
import { createOidcService } from './connections/oidc/service.ts';
import type { OidcService } from './connections/oidc/service.ts';
import { createLifecycle } from './connections/lifecycle/scheduler.ts';
import type { Lifecycle } from './connections/lifecycle/scheduler.ts';
import { createEventService } from './events/service.ts';
import type { EventService } from './events/service.ts';
import { createWebhookService } from './webhooks/service.ts';
import type { WebhookService } from './webhooks/service.ts';
import { createDispatcher } from './webhooks/dispatcher.ts';
import type { Dispatcher } from './webhooks/dispatcher.ts';
import { createScimRequestLog } from './scim-log/buffer.ts';
import type { ScimRequestLog } from './scim-log/buffer.ts';

export interface Container {
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly storage: Storage;
  readonly secrets: SecretBox;
  readonly audit: AuditRecorder;
  readonly operatorKeys: OperatorKeys;
  readonly tokens: TokenAuthenticator;
  readonly tenants: TenantService;
  /** The only writer of accounts, teams and memberships (SCIM and sign-in alike). */
  readonly directory: { readonly accounts: AccountService; readonly teams: TeamService };
  /** Ends an account's product sessions and tokens (SCIM deactivation, deletion). */
  readonly sessions: SessionRevoker;
  readonly signIn: SignIn;
  readonly saml: SamlService;
  readonly oidc: OidcService;
  /** SAML metadata refresh and certificate expiry on a schedule (started by server.ts). */
  readonly lifecycle: Lifecycle;
  readonly clients: ClientService;
  /** The event stream (events API, audit trail). */
  readonly events: EventService;
  readonly webhooks: WebhookService;
  /** Delivers the event stream to webhooks; runs on its own timers until `close()`. */
  readonly dispatcher: Dispatcher;
  readonly scimLog: ScimRequestLog;
  /** The product-facing OpenID Provider, built on first use. */
  readonly provider: () => Promise<Provider>;
  /** The operator key generated on this start (print once), else null. */
  readonly generatedAdminKey: string | null;
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** Use this store instead of the one config selects (tests pass SQLite ':memory:'). */
  readonly storage?: Storage;
  readonly defaultMetrics?: boolean;
  /** false: the dispatcher and the SCIM log writer are not started (tests drive `tick`/`flush`). */
  readonly background?: boolean;
}

/**
 * The one composition root: every service is built here from config, nothing at module load.
 * Routers receive the narrow services they use (app.ts), never this container.
 */
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
    let wake: () => void = () => undefined;
    const audit = createAuditRecorder(storage, {
      retentionDays: config.eventRetentionDays,
      onCommitted: () => wake(),
    });
    const { keys, generated } = await loadOperatorKeys(storage, config.adminKey);
    const tokens = createTokenAuthenticator(storage);
    const sessions = createSessionRevoker(storage);
    const accounts = createAccountService(audit, sessions);
    const signIns = createSignInRecords(storage.ephemeral);
    const signIn = createSignIn({
      tenants: storage.tenants,
      ephemeral: storage.ephemeral,
      audit,
      link: createAccountLinker({ accounts: storage.accounts, directory: accounts, signIns }),
    });
    const { publicUrl, allowInsecureIdp, trustProxy } = config;
    const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
    const lifecycle = createLifecycle({
      allowInsecureIdp,
      audit,
      ephemeral: storage.ephemeral,
      metrics,
      tenants: storage.tenants,
      log,
      intervalMs: config.metadataRefreshSeconds * 1000,
    });
    if (allowInsecureIdp)
      log.warn(
        'allowInsecureIdp is on: http and internal IdP addresses are accepted (development and tests only)',
      );
    const saml = createSamlService({
      publicUrl,
      allowInsecureIdp,
      tenants: storage.tenants,
      audit,
      secrets,
      ephemeral: storage.ephemeral,
      signIn,
      accounts: storage.accounts,
      sessions,
      signIns,
    });
    const dispatcher = createDispatcher({
      storage,
      secrets,
      log,
      retry: {
        baseSeconds: config.webhookRetryBaseSeconds,
        factor: config.webhookRetryFactor,
        maxSeconds: config.webhookRetryMaxSeconds,
        retryForSeconds: config.webhookRetryForHours * 3600,
      },
      send: { timeoutMs: config.webhookTimeoutSeconds * 1000, allowPrivate: config.allowPrivateWebhooks },
      pollMs: config.webhookPollSeconds * 1000,
    });
    wake = () => dispatcher.wake();
    const scimLog = createScimRequestLog({
      store: storage.scimLog,
      log,
      retentionDays: config.scimLogRetentionDays,
    });
    if (options.background ?? true) {
      dispatcher.start();
      scimLog.start();
    }
    return {
      config,
      log,
      metrics,
      storage,
      secrets,
      audit,
      operatorKeys: keys,
      tokens,
      tenants: createTenantService(storage, audit, { onAccessChange: () => tokens.forgetAll() }),
      directory: { accounts, teams: createTeamService(audit) },
      sessions,
      signIn,
      saml,
      oidc: createOidcService({
        publicUrl,
        allowInsecureIdp,
        tenants: storage.tenants,
        audit,
        secrets,
        signIn,
      }),
      clients: createClientService({ clients: storage.clients, audit, secrets }),
      events: createEventService({ tenants: storage.tenants, audit: storage.audit }),
      webhooks: createWebhookService({
        tenants: storage.tenants,
        webhooks: storage.webhooks,
        audit,
        secrets,
        allowPrivate: config.allowPrivateWebhooks,
      }),
      dispatcher,
      scimLog,
      provider: lazyProvider({
        publicUrl,
        trustProxy,
        ephemeral: storage.ephemeral,
        clients: storage.clients,
        secrets,
        accounts: {
          tenants: storage.tenants,
          accounts: storage.accounts,
          memberships: storage.memberships,
          signIns,
        },
        resolveTenant: signIn.resolveTenant,
        // SAML Single Logout continues the product's logout at the tenant's IdP.
        afterLogout: saml.continueLogout,
      }),
      lifecycle,
      generatedAdminKey: generated,
      async close() {
        lifecycle.stop();
        await dispatcher.stop();
        await scimLog.stop();
        await storage.close();
      },
    };
  } catch (err) {
    await storage.close();
    throw err;
  }
}
