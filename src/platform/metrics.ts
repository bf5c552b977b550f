import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** Requests refused by a rate limit or lockout, and lockouts started (createRateLimitMetrics). */
  readonly rateLimits: RateLimitMetrics;
  /** Counts one answered request and its latency. */
  observeRequest(method: string, route: string, status: string, seconds: number): void;
  /** Days until a tenant's soonest IdP signing certificate expires; null forgets the tenant. */
  setCertificateExpiry(tenant: string, days: number | null): void;
}

/** Label sets seen (methods × route templates × statuses); past this many, the memo starts over. */
const MAX_LABEL_SETS = 1000;

/** One registry per container (no global default registry), so tests can build many apps. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'trustgate_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const httpRequests = new Counter({
    name: 'trustgate_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'trustgate_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const certificateDays = new Gauge({
    name: 'trustgate_idp_certificate_expiry_days',
    help: "Days until the tenant's soonest-expiring IdP signing certificate expires (negative: expired)",
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  // prom-client hashes the label set on every call; its bound children hash once.
  const children = new Map<string, { inc(): void; observe(seconds: number): void }>();
  return {
    registry,
    rateLimits: createRateLimitMetrics(registry),
    setCertificateExpiry(tenant, days) {
      if (days === null) certificateDays.remove({ tenant });
      else certificateDays.set({ tenant }, days);
    },
    observeRequest(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let child = children.get(key);
      if (!child) {
        if (children.size >= MAX_LABEL_SETS) children.clear();
        const labels = { method, route, status };
        const counter = httpRequests.labels(labels);
        const histogram = httpDuration.labels(labels);
        child = { inc: () => counter.inc(), observe: (value) => histogram.observe(value) };
        children.set(key, child);
      }
      child.inc();
      child.observe(seconds);
    },
  };
}

// --- Rate limits (docs/decisions/0090-rate-limits.md): bounded labels only, never an address.

export type RateLimitSurface = 'scim' | 'admin';

export interface RateLimitMetrics {
  /** A request answered 429; `reason` is the limit that refused it. */
  refused(surface: RateLimitSurface, reason: 'token' | 'address' | 'lockout'): void;
  /** An address was locked out after failed authentications. */
  lockedOut(surface: RateLimitSurface): void;
}

function createRateLimitMetrics(registry: Registry): RateLimitMetrics {
  const refused = new Counter({
    name: 'trustgate_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit or a failed-authentication lockout',
    labelNames: ['surface', 'reason'] as const,
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'trustgate_auth_lockouts_total',
    help: 'Client addresses locked out after repeated failed authentications',
    labelNames: ['surface'] as const,
    registers: [registry],
  });
  return {
    refused: (surface, reason) => refused.inc({ surface, reason }),
    lockedOut: (surface) => lockouts.inc({ surface }),
  };
}
