import type { Logger } from '../platform/logger.ts';
import { newId } from '../platform/ids.ts';
import type { ScimLogEntry, ScimLogError, ScimLogStore, TenantId } from '../storage/ports.ts';
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
  /** The SCIM error body sent (`scimType`, `detail` not yet cut); null when none was. */
  readonly error: ScimLogError | null;
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
/** An entry's error detail is cut to this many characters (the ellipsis included). */
const MAX_ERROR_DETAIL = 500;

/** `text` cut to at most `max` characters, ending in `…` when cut, never inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

// A fresh object of exactly these two fields: whatever else the edge's object holds is not stored.
const errorOf = (e: ScimLogError): ScimLogError => ({
  scimType: e.scimType,
  detail: cut(e.detail, MAX_ERROR_DETAIL),
});

/**
 * The SCIM request log (docs/admin-api.md#scim-request-log). `record` runs once the response
 * has been sent: it makes the entry there (the body's redacted excerpt is at most 2,048
 * characters and a refused request's error detail at most 500, so the buffer holds flat rows,
 * never request bodies) and pushes it onto an in-memory buffer — a request never waits for
 * storage — and a timer (every second) writes the buffer in batches of up to 500, one unit of
 * work each.
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
    error: r.error === null ? null : errorOf(r.error),
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
