import type { TenantStore } from '../../storage/ports.ts';
import type { Logger } from '../../platform/logger.ts';
import { checkCertificateExpiry } from './expiry.ts';
import type { ExpiryDeps } from './expiry.ts';
import { refreshSamlMetadata } from './refresh.ts';
import type { RefreshDeps } from './refresh.ts';

export interface LifecycleDeps extends RefreshDeps, ExpiryDeps {
  readonly tenants: Pick<TenantStore, 'list' | 'get'>;
  readonly log: Logger;
  /** Between runs; 0 never runs. */
  readonly intervalMs: number;
}

export interface Lifecycle {
  /** One pass over every tenant: metadata refresh, then certificate expiry. */
  runOnce(): Promise<void>;
  /** Runs now and then every interval; timers never keep the process alive. */
  start(): void;
  stop(): void;
}

/** The IdP lifecycle job: SAML metadata refresh and certificate expiry, on a schedule. */
export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  // Tenants with a certificate gauge: one that is deleted, disabled or loses its SAML connection
  // drops its series at the next pass instead of reporting its last value for ever.
  let gauged = new Set<string>();

  async function pass(): Promise<void> {
    const seen = new Set<string>();
    for (const listed of await deps.tenants.list()) {
      if (listed.status !== 'active' || !listed.connections.saml) continue;
      seen.add(listed.slug);
      try {
        const result = await refreshSamlMetadata(deps, listed);
        const tenant = result === 'updated' ? ((await deps.tenants.get(listed.id)) ?? listed) : listed;
        await checkCertificateExpiry(deps, tenant);
        if (result === 'failed') deps.log.warn({ tenant: listed.slug }, 'SAML metadata refresh failed');
      } catch (err) {
        deps.log.error({ err, tenant: listed.slug }, 'IdP lifecycle check failed');
      }
    }
    for (const slug of gauged) if (!seen.has(slug)) deps.metrics.setCertificateExpiry(slug, null);
    gauged = seen;
  }

  const runOnce = (): Promise<void> => {
    // One pass at a time: a slow IdP never stacks runs.
    running ??= pass().finally(() => (running = undefined));
    return running;
  };

  return {
    runOnce,
    start() {
      if (timer || deps.intervalMs <= 0) return;
      const tick = () =>
        void runOnce().catch((err: unknown) => deps.log.error({ err }, 'IdP lifecycle pass failed'));
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
      setImmediate(tick).unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
