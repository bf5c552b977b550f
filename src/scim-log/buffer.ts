import type { Logger } from '../platform/logger.ts';
import { newId } from '../platform/ids.ts';
import type { ScimLogEntry, ScimLogStore, TenantId } from '../storage/ports.ts';
import { redactedExcerpt } from './redact.ts';

/** One finished SCIM request, as the HTTP edge hands it over. */
export interface ScimRequestRecord {
  readonly tenantId: TenantId;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly tokenId: string | null;
  readonly requestId: string;
  /** The parsed body (never mutated by the SCIM core), undefined without one. */
  readonly body: unknown;
  /** Its size on the wire (a large body is excerpted without serialising it whole). */
  readonly bodyBytes: number;
}

export interface ScimRequestLogOptions {
  readonly store: ScimLogStore;
  readonly log: Logger;
  /** 0: the log is off and `record` does nothing. */
  readonly retentionDays: number;
  readonly flushMs?: number;
  /** Entries held at most; beyond it new ones are dropped (and counted), never the request slowed. */
  readonly maxBuffered?: number;
}

const DAY_MS = 86_400_000;
const BATCH = 500;

/**
 * The SCIM request log (docs/admin-api.md#scim-request-log). `record` runs once the response
 * has been sent: it makes the entry there (the body's redacted excerpt is at most 2,048
 * characters, so the buffer holds flat rows, never request bodies) and pushes it onto an
 * in-memory buffer — a request never waits for storage — and a timer (every second) writes the
 * buffer in batches of up to 500, one unit of work each.
 *
 * Entries are made at once rather than at the flush: a parsed body kept for up to a second
 * outlives the young generation and is promoted, which tripled the gateway's garbage-collection
 * time under SCIM writes (docs/benchmarks.md).
 */
export function createScimRequestLog(options: ScimRequestLogOptions) {
  const { store, log, retentionDays } = options;

  const toEntry = (r: ScimRequestRecord, at: number): ScimLogEntry => ({
    tenantId: r.tenantId,
    id: newId(),
    at: new Date(at).toISOString(),
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: r.durationMs,
    tokenId: r.tokenId,
    requestId: r.requestId,
    body: r.body === undefined ? null : redactedExcerpt(r.body, 2048, r.bodyBytes),
    expiresAt: new Date(at + retentionDays * DAY_MS).toISOString(),
  });
  const maxBuffered = options.maxBuffered ?? 5000;
  let buffer: ScimLogEntry[] = [];
  let dropped = 0;
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function write(): Promise<void> {
    while (buffer.length > 0) {
      const taken = buffer.length <= BATCH ? buffer : buffer.slice(0, BATCH);
      buffer = taken === buffer ? [] : buffer.slice(BATCH);
      await store.append(taken);
    }
  }

  function flush(): Promise<void> {
    flushing ??= write()
      .catch((err: unknown) => log.warn({ err }, 'SCIM request log: a batch could not be written'))
      .finally(() => {
        flushing = null;
      });
    return flushing;
  }

  return {
    record(record: ScimRequestRecord): void {
      if (retentionDays === 0) return;
      if (buffer.length >= maxBuffered) {
        dropped += 1;
        return;
      }
      buffer.push(toEntry(record, Date.now()));
    },
    /** Writes what is buffered now (tests; `stop`). */
    flush,
    start(): void {
      if (timer !== null || retentionDays === 0) return;
      timer = setInterval(() => void flush(), options.flushMs ?? 1000);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer);
      timer = null;
      await flushing;
      await flush();
    },
    stats: () => ({ buffered: buffer.length, dropped }),
  };
}

export type ScimRequestLog = ReturnType<typeof createScimRequestLog>;
