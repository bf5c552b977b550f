import type { Storage, Stores } from '../storage/ports.ts';
import { auditInput } from './events.ts';
import type { AuditChange, AuditContext } from './events.ts';

/** States an audit event of the unit of work in progress; it is written only if the unit commits. */
export type RecordEvent = (change: AuditChange) => void;

/** Writes changes and their audit events: the one place both land in one unit of work. */
export interface AuditRecorder {
  /**
   * Runs `work` in a transaction; the events it records are appended in the same transaction,
   * after its writes. A unit that throws leaves neither its writes nor its events.
   */
  change<T>(context: AuditContext, work: (tx: Stores, record: RecordEvent) => Promise<T>): Promise<T>;
  /** An event that is not part of a change (a sign-in, a refusal), in its own unit of work. */
  event(context: AuditContext, change: AuditChange): Promise<void>;
}

export interface AuditRecorderOptions {
  /** How long events are kept (docs/configuration.md, `eventRetentionDays`). */
  readonly retentionDays?: number;
  /** Called after a unit with events has committed (the webhook dispatcher wakes up). */
  readonly onCommitted?: () => void;
}

/**
 * The recorder is the outbox's one writer: the events it appends are the audit trail, the events
 * API and what webhooks deliver (docs/decisions/0060-events-outbox.md).
 */
export function createAuditRecorder(storage: Storage, options: AuditRecorderOptions = {}): AuditRecorder {
  const { retentionDays, onCommitted } = options;
  return {
    change(context, work) {
      return storage
        .transaction(async (tx) => {
          // Fresh per attempt: MongoDB may run the unit again after a transient conflict.
          const changes: AuditChange[] = [];
          const result = await work(tx, (change) => void changes.push(change));
          for (const change of changes) await tx.audit.append(auditInput(context, change, retentionDays));
          return { result, events: changes.length };
        })
        .then(({ result, events }) => {
          if (events > 0) onCommitted?.();
          return result;
        });
    },
    async event(context, change) {
      await storage.audit.append(auditInput(context, change, retentionDays));
      onCommitted?.();
    },
  };
}
