import { newId } from '../../platform/ids.ts';
import type { AuditEvent, AuditStore } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession } from './common.ts';
import { auditToDocument, documentToAudit } from './documents.ts';

export function createAuditStore(scope: Scope): AuditStore {
  const { audit } = scope.models;
  const session = scope.session;

  return {
    async append(input) {
      // UUIDv7: time-ordered, so `_id` order is append order and the id is the page cursor.
      const event: AuditEvent = { ...input, id: newId(), at: new Date().toISOString() };
      await audit.create([auditToDocument(event)], inSession(scope));
      return event;
    },
    async list(tenantId, after, limit) {
      if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
      // MongoDB reads limit(0) as "no limit".
      if (limit === 0) return [];
      // `tenantId: null` also matches the operator scope's events (stored with tenantId null).
      const filter = { tenantId, ...(after === null ? {} : { _id: { $gt: after } }) };
      const docs = await audit.find(filter).sort({ _id: 1 }).limit(limit).session(session).lean();
      return docs.map(documentToAudit);
    },
  };
}
