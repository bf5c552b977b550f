import type { AuditEvent } from '../storage/ports.ts';

/**
 * An event as the events API, the audit trail and webhooks show it (docs/admin-api.md#events).
 * `sequence` is the event's place in its tenant's stream; the cursor is made from it.
 */
export function eventView(event: AuditEvent, slug: string | null) {
  return {
    id: event.id,
    sequence: event.seq,
    tenant: slug,
    tenantId: event.tenantId,
    type: event.type,
    occurredAt: event.at,
    actor: event.actor,
    target: event.target,
    data: event.data,
    requestId: event.requestId,
  };
}

export type EventView = ReturnType<typeof eventView>;

/** Cursors are opaque to callers: today the decimal `sequence` of the last event seen. */
export const cursorOf = (seq: number): string => String(seq);

/** The `seq` a cursor stands for, or undefined when it is not one of ours. */
export function parseCursor(cursor: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(cursor)) return undefined;
  return Number(cursor);
}
