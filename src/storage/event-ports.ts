/**
 * The storage port, continued: webhook endpoints with their deliveries, and the SCIM request log
 * (docs/webhooks.md, docs/admin-api.md). Re-exported by ports.ts; the same rules hold (every
 * read and write scoped by `tenantId`, one contract suite for every adapter).
 */
import type { TenantId, Timestamp } from './ports.ts';

/** A tenant's webhook endpoint and its place in the tenant's event stream. */
export interface WebhookEndpoint {
  readonly tenantId: TenantId;
  readonly id: string;
  readonly url: string;
  /** Event types sent to it; null: every type. */
  readonly types: readonly string[] | null;
  /** The signing secret, sealed with the master key (platform/secrets.ts). */
  readonly secret: string;
  readonly createdAt: Timestamp;
  /** `seq` of the last event handled (delivered, skipped or given up): delivery resumes after it. */
  readonly cursor: number;
  /** Not before this time is the endpoint due again (backoff after a failed attempt); null: now. */
  readonly nextAttemptAt: Timestamp | null;
  /** The dispatcher holding the endpoint, until `leaseUntil`; null when free. */
  readonly leaseOwner: string | null;
  readonly leaseUntil: Timestamp | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event on its way to one endpoint: every attempt updates it. */
export interface WebhookDelivery {
  readonly tenantId: TenantId;
  readonly id: string;
  readonly endpointId: string;
  readonly eventId: string;
  readonly eventSeq: number;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly firstAttemptAt: Timestamp;
  readonly lastAttemptAt: Timestamp;
  /** When the next attempt is due (pending only). */
  readonly nextAttemptAt: Timestamp | null;
  /** HTTP status of the last answer; null when there was none (timeout, refused connection). */
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
}

/** The endpoint state a lease holder writes back when it lets go. */
export interface EndpointProgress {
  readonly cursor: number;
  readonly nextAttemptAt: Timestamp | null;
}

export interface WebhookStore {
  insert(endpoint: WebhookEndpoint): Promise<void>;
  get(tenantId: TenantId, id: string): Promise<WebhookEndpoint | undefined>;
  /** In creation (id) order. */
  list(tenantId: TenantId): Promise<readonly WebhookEndpoint[]>;
  /** Removes the endpoint and its deliveries. */
  remove(tenantId: TenantId, id: string): Promise<boolean>;
  /**
   * Replaces the sealed secret only while it is still `expected` (a re-encryption under a new
   * master key: of two racing, one wins and the other sees false). Touches nothing else.
   */
  replaceSecret(tenantId: TenantId, id: string, expected: string, secret: string): Promise<boolean>;
  /**
   * Leases up to `limit` endpoints, of any tenant, that are due at `now` (`nextAttemptAt` null
   * or past) and free (no lease, or one that expired): each is taken atomically, so two
   * dispatchers never hold one endpoint at once. Returns them as leased.
   */
  claim(
    owner: string,
    now: Timestamp,
    leaseUntil: Timestamp,
    limit: number,
  ): Promise<readonly WebhookEndpoint[]>;
  /** Stores `progress` and frees the endpoint, only while `owner` still holds it (false otherwise). */
  release(tenantId: TenantId, id: string, owner: string, progress: EndpointProgress): Promise<boolean>;
  /** Creates or replaces the delivery with this id. */
  saveDelivery(delivery: WebhookDelivery): Promise<void>;
  /** The delivery of one event to one endpoint, if attempted. */
  findDelivery(tenantId: TenantId, endpointId: string, eventId: string): Promise<WebhookDelivery | undefined>;
  /** An endpoint's deliveries, newest event first, before the `eventSeq` cursor. */
  deliveries(
    tenantId: TenantId,
    endpointId: string,
    before: number | null,
    limit: number,
  ): Promise<readonly WebhookDelivery[]>;
}

/** Why a SCIM request was refused: its RFC 7644 §3.12 error body's `scimType` and `detail`. */
export interface ScimLogError {
  /** Null when the error body has none (403, 404, 405, 412, 5xx…). */
  readonly scimType: string | null;
  /** As sent, cut to at most 500 characters. */
  readonly detail: string;
}

/** One SCIM request as the tenant admin sees it (never a token or password). */
export interface ScimLogEntry {
  readonly tenantId: TenantId;
  /** UUIDv7 (time-ordered): the cursor. */
  readonly id: string;
  readonly at: Timestamp;
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly tokenId: string | null;
  readonly requestId: string;
  /** The request body, redacted and cut to a few kilobytes; null without a body. */
  readonly body: string | null;
  /** The error of a refused request (a SCIM error body was sent); null for a success. */
  readonly error: ScimLogError | null;
  readonly expiresAt: Timestamp;
}

export interface ScimLogStore {
  append(entries: readonly ScimLogEntry[]): Promise<void>;
  /** Newest first, with `id < before`. */
  list(tenantId: TenantId, before: string | null, limit: number): Promise<readonly ScimLogEntry[]>;
  /** Removes entries whose `expiresAt` is before `now` (at most `limit`); returns how many. */
  expire(now: Timestamp, limit: number): Promise<number>;
}
