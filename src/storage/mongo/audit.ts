import type { ClientSession } from 'mongoose';
import { newId } from '../../platform/ids.ts';
import type { AuditEvent, AuditEventInput, AuditStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Scope } from './common.ts';
import { auditToDocument, documentToAudit } from './documents.ts';
import { eventsQuery, expiredQuery, sequenceKey } from './event-queries.ts';

const TRANSACTION_OPTIONS = { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } } as const;

function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
}

/**
 * The event stream. `seq` comes from the scope's counter document, incremented in the unit of
 * work that writes the event (event-schemas.ts): units of one tenant that write events therefore
 * commit one after the other, and a reader (majority read concern: committed data only) that
 * follows `seq` never passes an event that commits later.
 */
export function createAuditStore(scope: Scope): AuditStore {
  const { audit, sequences } = scope.models;

  async function appendIn(session: ClientSession | null, input: AuditEventInput): Promise<AuditEvent> {
    const counter: unknown = await sequences
      .findOneAndUpdate(
        { _id: sequenceKey(input.tenantId) },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after', session },
      )
      .lean();
    const seq = (counter as { seq?: unknown } | null)?.seq;
    if (typeof seq !== 'number') throw new StorageError('event sequence missing');
    const event: AuditEvent = { ...input, id: newId(), seq, at: new Date().toISOString() };
    await audit.create([auditToDocument(event)], { session });
    return event;
  }

  return {
    async append(input) {
      if (scope.session) return appendIn(scope.session, input);
      // A test server without transactions: the counter and the event are two plain writes.
      if (!scope.transactions) return appendIn(null, input);
      // The counter and the event land together or not at all.
      return audit.db.transaction((session) => appendIn(session, input), TRANSACTION_OPTIONS);
    },
    async list(tenantId, after, limit, types) {
      checkLimit(limit);
      // MongoDB reads limit(0) as "no limit".
      if (limit === 0 || types?.length === 0) return [];
      const docs = await audit
        .find(eventsQuery(tenantId, after, types))
        .sort({ seq: 1 })
        .limit(limit)
        .session(scope.session)
        .lean();
      return docs.map(documentToAudit);
    },
    async head(tenantId) {
      const doc: unknown = await sequences
        .findOne({ _id: sequenceKey(tenantId) })
        .session(scope.session)
        .lean();
      const seq = (doc as { seq?: unknown } | null)?.seq;
      return typeof seq === 'number' ? seq : 0;
    },
    async expire(now, limit) {
      checkLimit(limit);
      if (limit === 0) return 0;
      const ids = await audit.find(expiredQuery(now)).select({ _id: 1 }).limit(limit).lean();
      if (ids.length === 0) return 0;
      const { deletedCount } = await audit.deleteMany({ _id: { $in: ids.map((d) => d._id) } });
      return deletedCount;
    },
  };
}
