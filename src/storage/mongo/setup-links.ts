import type { SetupLink, SetupLinkStore, TenantId, Timestamp } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession } from './common.ts';
import { fields, str, strOrNull } from './documents.ts';
import { writing } from './errors.ts';

export function setupLinkToDocument(link: SetupLink): Record<string, unknown> {
  const { id, ...rest } = link;
  return { _id: id, ...rest };
}

export function documentToSetupLink(doc: unknown): SetupLink {
  const d = fields(doc, 'setup link');
  return {
    tenantId: str(d, 'tenantId') as TenantId,
    id: str(d, '_id'),
    hash: str(d, 'hash'),
    createdAt: str(d, 'createdAt'),
    expiresAt: str(d, 'expiresAt'),
    usedAt: strOrNull(d, 'usedAt'),
  };
}

/**
 * The one document a redemption may change: this link, unused, not yet expired. Pure, so that
 * test/storage/mongo-setup-links.test.ts runs the same filter in mingo.
 */
export function redeemFilter(tenantId: TenantId, id: string, now: Timestamp) {
  return { tenantId, _id: id, usedAt: null, expiresAt: { $gt: now } };
}

export function createSetupLinkStore(scope: Scope): SetupLinkStore {
  const { setupLinks } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  return {
    async insert(link) {
      await writing(() => setupLinks.create([setupLinkToDocument(link)], write), { otherwise: 'hash' });
    },
    async findByHash(hash) {
      const doc: unknown = await setupLinks.findOne({ hash }).session(session).lean();
      return doc == null ? undefined : documentToSetupLink(doc);
    },
    async redeem(tenantId, id, now) {
      // A single-document conditional update is atomic; inside a transaction a concurrent
      // redemption conflicts, and its retry no longer matches.
      const result = await setupLinks.updateOne(
        redeemFilter(tenantId, id, now),
        { $set: { usedAt: now } },
        write,
      );
      return result.modifiedCount === 1;
    },
    async list(tenantId) {
      const docs = await setupLinks.find({ tenantId }).sort({ _id: -1 }).session(session).lean();
      return docs.map(documentToSetupLink);
    },
    async remove(tenantId, id) {
      return (await setupLinks.deleteOne({ tenantId, _id: id }, write)).deletedCount > 0;
    },
  };
}
