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
  /** Its size on the wire, for the buffer's memory bound. */
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
/** Request bodies held between two flushes, at most (a burst of 1 MiB bulk requests stays bounded). */
const MAX_HELD_BYTES = 16 * 1024 * 1024;
const NOT_KEPT = Symbol('body not kept');

/**
 * The SCIM request log (docs/admin-api.md#scim-request-log). `record` runs once the response
 * has been sent and only pushes onto an in-memory buffer — a request never waits for storage —
 * and a timer (every second) turns the buffer into entries and writes them in batches of up to
 * 500, one unit of work each.
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
    body:
      r.body === undefined
        ? null
        : r.body === NOT_KEPT
          ? '[not kept: the log buffer was full]'
          : redactedExcerpt(r.body, 2048, r.bodyBytes),
    expiresAt: new Date(at + retentionDays * DAY_MS).toISOString(),
  });
  const maxBuffered = options.maxBuffered ?? 5000;
  let buffer: { record: ScimRequestRecord; at: number }[] = [];
  /** Bytes of request bodies the buffer holds on to until the next flush. */
  let heldBytes = 0;
  let dropped = 0;
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function write(): Promise<void> {
    while (buffer.length > 0) {
      const taken = buffer.slice(0, BATCH);
      buffer = buffer.slice(BATCH);
      for (const { record } of taken) heldBytes -= record.bodyBytes;
      await store.append(taken.map(({ record, at }) => toEntry(record, at)));
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
      // Only a push: the excerpt, the id and the timestamps are made when the batch is written.
      // Bodies beyond MAX_HELD_BYTES until then are not kept (the entry still is).
      const keep = heldBytes + record.bodyBytes <= MAX_HELD_BYTES;
      const kept = keep ? record : { ...record, body: NOT_KEPT, bodyBytes: 0 };
      heldBytes += kept.bodyBytes;
      buffer.push({ record: kept, at: Date.now() });
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
