import type { ScimLogEntry, ScimLogStore, TenantId } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Models } from './schemas.ts';
import { dateString, fields, num, str, strOrNull } from './documents.ts';
import { expiredQuery, scimLogQuery } from './event-queries.ts';

export function scimLogToDocument(e: ScimLogEntry): Record<string, unknown> {
  const { id, expiresAt, error, ...rest } = e;
  return {
    _id: id,
    ...rest,
    error: error && { scimType: error.scimType, detail: error.detail },
    expiresAt: new Date(expiresAt),
  };
}

export function documentToScimLog(doc: unknown): ScimLogEntry {
  const d = fields(doc, 'SCIM log entry');
  // Absent in entries written before the field existed: those read as null.
  const error = d['error'] == null ? null : fields(d['error'], 'SCIM log error');
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id'),
    at: str(d, 'at'),
    method: str(d, 'method'),
    path: str(d, 'path'),
    status: num(d, 'status'),
    durationMs: num(d, 'durationMs'),
    tokenId: strOrNull(d, 'tokenId'),
    requestId: str(d, 'requestId'),
    body: strOrNull(d, 'body'),
    error: error && { scimType: strOrNull(error, 'scimType'), detail: str(error, 'detail') },
    expiresAt: dateString(d, 'expiresAt'),
  };
}

export function createScimLogStore(models: Models): ScimLogStore {
  const { scimLog } = models;
  return {
    async append(entries) {
      if (entries.length === 0) return;
      // Unordered: one entry that cannot be written (a duplicate id) does not hold back the rest.
      await scimLog.collection
        .insertMany(entries.map(scimLogToDocument) as never[], { ordered: false })
        .catch((err: unknown) => {
          if ((err as { code?: unknown }).code !== 11000) throw err;
        });
    },
    async list(tenantId, before, limit) {
      if (!Number.isSafeInteger(limit) || limit < 0) throw new StorageError(`invalid limit ${limit}`);
      if (limit === 0) return [];
      const docs = await scimLog.find(scimLogQuery(tenantId, before)).sort({ _id: -1 }).limit(limit).lean();
      return docs.map(documentToScimLog);
    },
    async expire(now, limit) {
      const ids = await scimLog.find(expiredQuery(now)).select({ _id: 1 }).limit(limit).lean();
      if (ids.length === 0) return 0;
      return (await scimLog.deleteMany({ _id: { $in: ids.map((d) => d._id) } })).deletedCount;
    },
  };
}
