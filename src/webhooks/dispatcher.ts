import { hostname } from 'node:os';
import { eventView } from '../events/view.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import { newId, newSecret } from '../platform/ids.ts';
import type { SecretBox } from '../platform/secrets.ts';
import type { AuditEvent, Storage, WebhookDelivery, WebhookEndpoint } from '../storage/ports.ts';
import { retryDelayMs } from './backoff.ts';
import type { RetryPolicy } from './backoff.ts';
import { postJson } from './sender.ts';
import type { SendOptions, SendResult } from './sender.ts';
import { secretContext } from './service.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export interface DispatcherOptions {
  readonly storage: Pick<Storage, 'audit' | 'webhooks' | 'tenants'>;
  readonly secrets: SecretBox;
  readonly log: Logger;
  /** Delivery attempts and lag (optional: tests of the dispatcher alone leave it out). */
  readonly metrics?: Pick<Metrics, 'observeWebhook'>;
  readonly retry: RetryPolicy;
  readonly send: SendOptions;
  readonly pollMs: number;
  /** Replaces the HTTP POST (tests). */
  readonly post?: typeof postJson;
}

/** Endpoints leased per tick, and events delivered per endpoint per lease. */
const ENDPOINTS_PER_TICK = 20;
const EVENTS_PER_LEASE = 100;
/** A wake-up right after a commit waits this long, so that a burst of commits makes one tick. */
const WAKE_DELAY_MS = 20;

type Outcome = { readonly advance: true } | { readonly advance: false; readonly retryAt: number };

const iso = (ms: number) => new Date(ms).toISOString();

/** A bounded label for a failed attempt: no answer (timeout, refused, private address) or the status class. */
const failureReason = (status: number | null): string =>
  status === null ? 'no_response' : `http_${Math.floor(status / 100)}xx`;

/**
 * Delivers each tenant's events to its webhook endpoints, in `seq` order per endpoint, one event
 * at a time: a failing endpoint holds its next events back (in order) until the failed one is
 * delivered or given up (docs/webhooks.md). An endpoint is leased before any delivery
 * (WebhookStore.claim): several gateway instances never send to one endpoint at once, and a
 * lease outlives the longest exchange a holder may have in flight, so an expired lease means
 * its holder is gone or stuck, not sending.
 */
export function createDispatcher(options: DispatcherOptions) {
  const { storage, secrets, log, retry } = options;
  const post = options.post ?? postJson;
  const owner = `${hostname()}:${process.pid}:${newSecret(6)}`;
  // Long enough for every exchange of one lease, with margin.
  const leaseMs = Math.max(60_000, 4 * options.send.timeoutMs);
  const slugs = new Map<string, string | null>();

  async function slugOf(tenantId: string): Promise<string | null> {
    if (!slugs.has(tenantId))
      slugs.set(tenantId, (await storage.tenants.get(tenantId as never))?.slug ?? null);
    return slugs.get(tenantId) ?? null;
  }

  async function attempt(endpoint: WebhookEndpoint, event: AuditEvent): Promise<Outcome> {
    const previous = await storage.webhooks.findDelivery(endpoint.tenantId, endpoint.id, event.id);
    const deliveryId = previous?.id ?? newId();
    const body = JSON.stringify(eventView(event, await slugOf(endpoint.tenantId)));
    const secret = secrets.decrypt(endpoint.secret, secretContext(endpoint));
    const started = Date.now();
    const headers = {
      'Content-Type': 'application/json',
      'User-Agent': 'Trustgate-Webhooks/1',
      [SIGNATURE_HEADER]: signatureHeader(secret, body, Math.floor(started / 1000)),
      'Trustgate-Event-Id': event.id,
      'Trustgate-Event-Type': event.type,
      'Trustgate-Delivery-Id': deliveryId,
    };
    let result: SendResult;
    try {
      result = await post(endpoint.url, headers, body, options.send);
    } catch (err) {
      result = { status: null, error: err instanceof Error ? err.message.slice(0, 200) : 'send failed' };
    }
    const now = Date.now();
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const attempts = (previous?.attempts ?? 0) + 1;
    const firstAttemptAt = previous?.firstAttemptAt ?? iso(started);
    const givenUp = !ok && now - Date.parse(firstAttemptAt) >= retry.retryForSeconds * 1000;
    const retryAt = now + retryDelayMs(retry, attempts);
    const delivery: WebhookDelivery = {
      tenantId: endpoint.tenantId,
      id: deliveryId,
      endpointId: endpoint.id,
      eventId: event.id,
      eventSeq: event.seq,
      eventType: event.type,
      status: ok ? 'delivered' : givenUp ? 'failed' : 'pending',
      attempts,
      firstAttemptAt,
      lastAttemptAt: iso(now),
      nextAttemptAt: ok || givenUp ? null : iso(retryAt),
      lastStatusCode: result.status,
      lastError: ok ? null : (result.error ?? `HTTP ${result.status ?? '?'}`),
    };
    await storage.webhooks.saveDelivery(delivery);
    options.metrics?.observeWebhook(
      ok ? 'delivered' : givenUp ? 'given_up' : 'retrying',
      ok ? 'none' : failureReason(result.status),
      ok ? Math.max(0, (now - Date.parse(event.at)) / 1000) : null,
    );
    if (givenUp)
      log.warn({ webhook: endpoint.id, event: event.id, attempts }, 'webhook delivery failed for good');
    return ok || givenUp ? { advance: true } : { advance: false, retryAt };
  }

  /** Delivers what is due for one leased endpoint, then writes its progress and lets go. */
  async function serve(endpoint: WebhookEndpoint): Promise<number> {
    const deadline = Date.now() + leaseMs / 2;
    let cursor = endpoint.cursor;
    let nextAttemptAt: string | null = null;
    let sent = 0;
    try {
      while (sent < EVENTS_PER_LEASE && Date.now() < deadline && nextAttemptAt === null) {
        // Read first: every seq up to the head has committed (seqs are taken in commit order).
        const head = await storage.audit.head(endpoint.tenantId);
        const events = await storage.audit.list(endpoint.tenantId, cursor, 10, endpoint.types ?? undefined);
        if (events.length === 0) {
          // Nothing of the endpoint's types up to the head: skip past them once.
          cursor = Math.max(cursor, head);
          break;
        }
        for (const event of events) {
          const outcome = await attempt(endpoint, event);
          sent += 1;
          if (!outcome.advance) {
            nextAttemptAt = iso(outcome.retryAt);
            break;
          }
          cursor = event.seq;
        }
      }
    } finally {
      const kept = await storage.webhooks.release(endpoint.tenantId, endpoint.id, owner, {
        cursor,
        nextAttemptAt,
      });
      if (!kept) log.warn({ webhook: endpoint.id }, 'webhook lease lost before release');
    }
    return sent;
  }

  let running: Promise<number> | null = null;
  let again = false;

  /** One pass: lease the due endpoints and serve them (in parallel across endpoints). Returns attempts made. */
  async function tick(): Promise<number> {
    const now = Date.now();
    const claimed = await storage.webhooks.claim(owner, iso(now), iso(now + leaseMs), ENDPOINTS_PER_TICK);
    const counts = await Promise.all(
      claimed.map((e) =>
        serve(e).catch((err: unknown) => {
          log.error({ err, webhook: e.id }, 'webhook dispatch failed');
          return 0;
        }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Runs one tick at a time; a request for a tick while one runs makes one more afterwards. */
  function runTick(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = tick()
      .catch((err: unknown) => {
        log.error({ err }, 'webhook dispatcher tick failed');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again && timer !== null) {
          again = false;
          void runTick();
        }
      });
    return running;
  }

  let timer: NodeJS.Timeout | null = null;
  let wakeTimer: NodeJS.Timeout | null = null;

  return {
    /** A single pass, callable directly (tests, tools). */
    tick: runTick,
    start(): void {
      if (timer !== null) return;
      timer = setInterval(() => void runTick(), options.pollMs);
      timer.unref();
    },
    /** New events have committed: look soon rather than at the next poll. */
    wake(): void {
      if (timer === null || wakeTimer !== null) return;
      wakeTimer = setTimeout(() => {
        wakeTimer = null;
        void runTick();
      }, WAKE_DELAY_MS);
      wakeTimer.unref();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      if (wakeTimer !== null) clearTimeout(wakeTimer);
      timer = null;
      wakeTimer = null;
      await running;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
