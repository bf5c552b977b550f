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
  /** The parsed body, undefined without one. */
  readonly body: unknown;
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
 * has been sent and only pushes onto an in-memory buffer — a request never waits for storage —
 * and a timer writes the buffer in batches of up to 500 (one unit of work each).
 */
export function createScimRequestLog(options: ScimRequestLogOptions) {
  const { store, log, retentionDays } = options;
  const maxBuffered = options.maxBuffered ?? 5000;
  let buffer: ScimLogEntry[] = [];
  let dropped = 0;
  let flushing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function write(): Promise<void> {
    while (buffer.length > 0) {
      const entries = buffer.slice(0, BATCH);
      buffer = buffer.slice(BATCH);
      await store.append(entries);
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
      const at = Date.now();
      // The excerpt is made now, bounded (redact.ts): the buffer holds a few kilobytes per
      // entry, never a reference to a request body of up to the body limit.
      buffer.push({
        tenantId: record.tenantId,
        id: newId(),
        at: new Date(at).toISOString(),
        method: record.method,
        path: record.path,
        status: record.status,
        durationMs: record.durationMs,
        tokenId: record.tokenId,
        requestId: record.requestId,
        body: record.body === undefined ? null : redactedExcerpt(record.body),
        expiresAt: new Date(at + retentionDays * DAY_MS).toISOString(),
      });
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
