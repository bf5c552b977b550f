import type { AuditStore, ScimLogStore } from '../ports.ts';

/** Rows removed per unit of work: a slice short enough not to hold back requests. */
const SLICE = 2000;
/** Slices per sweep: a backlog (say, after a retention change) drains over a few sweeps. */
const MAX_SLICES = 50;

type Unit = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Retention of the event stream and the SCIM request log (docs/configuration.md): each record
 * carries its `expiresAt`, and this removes those past it, a slice per unit of work.
 */
export async function sweepRetention(audit: AuditStore, scimLog: ScimLogStore, unit: Unit): Promise<void> {
  const now = new Date().toISOString();
  const expirers = [
    (limit: number) => audit.expire(now, limit),
    (limit: number) => scimLog.expire(now, limit),
  ];
  for (const expire of expirers) {
    for (let i = 0; i < MAX_SLICES; i += 1) {
      const removed = await unit(() => expire(SLICE));
      if (removed < SLICE) break;
    }
  }
}
