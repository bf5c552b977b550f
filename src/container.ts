import type Provider from 'oidc-provider';
import type { Config } from './platform/config.ts';
import type { Logger } from './platform/logger.ts';
import { createMetrics } from './platform/metrics.ts';
import type { Metrics } from './platform/metrics.ts';
import { createSecretBox } from './platform/secrets.ts';
import type { SecretBox } from './platform/secrets.ts';
import { resolveMasterKey } from './platform/master-key.ts';
import { migrationStatus, openStorage, storageOptions } from './storage/index.ts';
import type { MigrationStatus } from './storage/index.ts';
import type { Storage, Tenant } from './storage/ports.ts';
import { timeStorage } from './storage/timed.ts';
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
import { createKeyService } from './keys/service.ts';
import type { KeyService } from './keys/service.ts';
import { createScimRequestLog } from './scim-log/buffer.ts';
import type { ScimRequestLog } from './scim-log/buffer.ts';
import { createDirectorySearch } from './directory/search.ts';
import type { DirectorySearch } from './directory/search.ts';
import { createUiSessions } from './admin/ui/sessions.ts';
import { createSetupLinks } from './tenants/setup-links.ts';
import type { SetupLinks } from './tenants/setup-links.ts';
import type { UiSessions } from './admin/ui/sessions.ts';
import { createRateLimits } from './platform/rate-limit.ts';
import type { RateLimits } from './platform/rate-limit.ts';
import { createTenantLimits } from './tenants/rate-limits.ts';
import type { TenantLimits } from './tenants/rate-limits.ts';

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
  /** Read-only search over accounts and teams (the admin page). */
  readonly directorySearch: DirectorySearch;
  /** The admin page's server-side sessions. */
  readonly uiSessions: UiSessions;
  /** Single-use setup links into a tenant's admin page (operator → customer admin). */
  readonly setupLinks: SetupLinks;
  /** Request limits and failed-authentication lockout on counters in the store (ADR 0090). */
  readonly rateLimits: RateLimits;
  /** A tenant's request limits: its settings over the configured defaults. */
  readonly tenantLimits: (tenant: Tenant) => TenantLimits;
  /** Signing-key rotation and re-encryption under a new master key (the CLI). */
  readonly keys: KeyService;
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
  /** The clock of the rate-limit windows and lockouts (tests move it), ms since the epoch. */
  readonly clock?: () => number;
  /**
   * false: no operator key is generated when none is configured or stored (the CLI, which
   * authenticates nobody; the first server start generates and prints it).
   */
  readonly generateOperatorKey?: boolean;
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
  const opened = options.storage ?? (await openStorage(storageOptions(config)));
  try {
    const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? true });
    // Time spent in the store, measured at the port (one wrapper, not in each adapter).
    const storage = timeStorage(opened, (kind, seconds) => metrics.observeStore(kind, seconds));
    const secrets = createSecretBox(
      resolveMasterKey(config.masterKey, config.dataDir, log),
      config.previousMasterKeys.map((k) => Buffer.from(k, 'base64')),
    );
    let wake: () => void = () => undefined;
    const audit = createAuditRecorder(storage, {
      retentionDays: config.eventRetentionDays,
      onCommitted: () => wake(),
    });
    const { keys, generated } = await loadOperatorKeys(storage, config.adminKey, {
      generate: options.generateOperatorKey ?? true,
    });
    const tokens = createTokenAuthenticator(storage);
    const sessions = createSessionRevoker(storage);
    const accounts = createAccountService(audit, sessions);
    const signIns = createSignInRecords(storage.ephemeral);
    const signIn = createSignIn({
      tenants: storage.tenants,
      ephemeral: storage.ephemeral,
      audit,
      metrics,
      link: createAccountLinker({ accounts: storage.accounts, directory: accounts, signIns }),
    });
    const { publicUrl, allowInsecureIdp, trustProxy } = config;
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
      metrics,
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
    const rateLimits = createRateLimits({
      counters: storage.ephemeral,
      lockout: {
        failures: config.lockoutFailures,
        baseSeconds: config.lockoutSeconds,
        maxSeconds: config.lockoutMaxSeconds,
      },
      log,
      metrics: metrics.rateLimits,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    // Syncs counters to the store every second even without `background` (tests may flush sooner).
    rateLimits.start();
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
      directorySearch: createDirectorySearch(storage),
      uiSessions: createUiSessions({
        ephemeral: storage.ephemeral,
        idleSeconds: config.adminUiIdleMinutes * 60,
        absoluteSeconds: config.adminUiSessionHours * 3600,
      }),
      setupLinks: createSetupLinks({
        tenants: storage.tenants,
        links: storage.setupLinks,
        audit,
        maxHours: config.setupLinkHours,
      }),
      rateLimits,
      tenantLimits: createTenantLimits({
        scimPerToken: config.rateLimitScimPerToken,
        scimPerAddress: config.rateLimitScimPerAddress,
        adminPerToken: config.rateLimitAdminPerToken,
      }),
      keys: createKeyService({ storage, audit, secrets }),
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
        await rateLimits.close();
        await dispatcher.stop();
        await scimLog.stop();
        await storage.close();
      },
    };
  } catch (err) {
    await opened.close();
    throw err;
  }
}

/** The configured store's schema state, read without opening it for work (`trustgate migrate --status`). */
export function storageMigrationStatus(config: Config): MigrationStatus {
  return migrationStatus(storageOptions(config));
}

/**
 * Applies pending migrations to the configured store, as every start does (SQLite: versioned
 * migrations; MongoDB: missing collections and indexes), and closes it: `trustgate migrate`.
 */
export async function migrateStorage(
  config: Config,
): Promise<{ before: MigrationStatus; after: MigrationStatus }> {
  const before = storageMigrationStatus(config);
  const storage = await openStorage(storageOptions(config));
  await storage.close();
  return { before, after: storageMigrationStatus(config) };
}
