import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The gateway's Prometheus metrics (docs/operations.md, metrics). Label values come from closed
 * sets — route templates, SCIM operations, rejection codes, read/write — never from a raw path, a
 * slug or an id, so the series count stays bounded whatever the traffic. The one exception is
 * the per-tenant certificate gauge: one series per tenant with a SAML connection, set by a job.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Requests refused by a rate limit or lockout, and lockouts started (createRateLimitMetrics). */
  readonly rateLimits: RateLimitMetrics;
  /** Counts one answered request and its latency. */
  observeRequest(method: string, route: string, status: string, seconds: number): void;
  /** One answered SCIM request: `operation` from a fixed set (`users.create`, `bulk`, `none`…). */
  observeScim(operation: string, status: string): void;
  /** One sign-in outcome; `reason` is the rejection code, `none` when accepted. */
  observeSignIn(protocol: string, result: 'accepted' | 'rejected', reason: string): void;
  /** One unit of work or store call, at the storage port. */
  observeStore(kind: 'read' | 'write', seconds: number): void;
  /** One webhook delivery attempt; `lagSeconds` (event commit → delivery) when it was delivered. */
  observeWebhook(result: WebhookResult, reason: string, lagSeconds: number | null): void;
  /** Days until a tenant's soonest IdP signing certificate expires; null forgets the tenant. */
  setCertificateExpiry(tenant: string, days: number | null): void;
}

export type WebhookResult = 'delivered' | 'retrying' | 'given_up';

/** Label sets seen per family; past this many, the memo starts over (bounded memory, not series). */
const MAX_LABEL_SETS = 1000;

/** prom-client hashes the label set on every call; a bound child hashes once. Memoised by key. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      if (children.size >= MAX_LABEL_SETS) children.clear();
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** From a prompt delivery to the 72 hours a delivery is retried for. */
const LAG_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21_600, 86_400, 259_200];

/** One registry per container (no global default registry), so tests can build many apps. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'trustgate_' });
  const labelNames = ['method', 'route', 'status'] as const;
  const httpRequests = new Counter({
    name: 'trustgate_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'trustgate_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const scimRequests = new Counter({
    name: 'trustgate_scim_requests_total',
    help: 'SCIM requests by operation (users.create, groups.patch, bulk, …; none: refused before one was chosen) and status',
    labelNames: ['operation', 'status'] as const,
    registers,
  });
  const signIns = new Counter({
    name: 'trustgate_signins_total',
    help: 'Sign-ins through an upstream IdP by protocol, result and rejection reason (none when accepted)',
    labelNames: ['protocol', 'result', 'reason'] as const,
    registers,
  });
  const storeDuration = new Histogram({
    name: 'trustgate_store_operation_duration_seconds',
    help: 'Time in the store per unit of work or store call, by kind (read, write)',
    labelNames: ['kind'] as const,
    buckets: STORE_BUCKETS,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'trustgate_webhook_deliveries_total',
    help: 'Webhook delivery attempts by result (delivered, retrying, given_up) and reason (none, no_response, http_4xx, …)',
    labelNames: ['result', 'reason'] as const,
    registers,
  });
  const webhookLag = new Histogram({
    name: 'trustgate_webhook_delivery_lag_seconds',
    help: 'Seconds from an event’s commit to its successful delivery to an endpoint',
    buckets: LAG_BUCKETS,
    registers,
  });
  const certificateDays = new Gauge({
    name: 'trustgate_idp_certificate_expiry_days',
    help: "Days until the tenant's soonest-expiring IdP signing certificate expires (negative: expired)",
    labelNames: ['tenant'] as const,
    registers,
  });

  const request = memo((key) => {
    const [method = '', status = '', route = ''] = key.split(' ');
    const labels = { method, route, status };
    return { counter: httpRequests.labels(labels), histogram: httpDuration.labels(labels) };
  });
  const scim = memo((key) => {
    const [operation = '', status = ''] = key.split(' ');
    return scimRequests.labels({ operation, status });
  });
  const signIn = memo((key) => {
    const [protocol = '', result = '', reason = ''] = key.split(' ');
    return signIns.labels({ protocol, result, reason });
  });
  const webhook = memo((key) => {
    const [result = '', reason = ''] = key.split(' ');
    return webhookDeliveries.labels({ result, reason });
  });
  const store = {
    read: storeDuration.labels({ kind: 'read' }),
    write: storeDuration.labels({ kind: 'write' }),
  };

  return {
    registry,
    rateLimits: createRateLimitMetrics(registry),
    setCertificateExpiry(tenant, days) {
      if (days === null) certificateDays.remove({ tenant });
      else certificateDays.set({ tenant }, days);
    },
    observeRequest(method, route, status, seconds) {
      // Route templates hold no space; method and status never do.
      const child = request(`${method} ${status} ${route}`);
      child.counter.inc();
      child.histogram.observe(seconds);
    },
    observeScim(operation, status) {
      scim(`${operation} ${status}`).inc();
    },
    observeSignIn(protocol, result, reason) {
      signIn(`${protocol} ${result} ${reason}`).inc();
    },
    observeStore(kind, seconds) {
      store[kind].observe(seconds);
    },
    observeWebhook(result, reason, lagSeconds) {
      webhook(`${result} ${reason}`).inc();
      if (lagSeconds !== null) webhookLag.observe(lagSeconds);
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
