import type { ApiToken, TokenStore } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession } from './common.ts';
import { documentToToken, tokenToDocument } from './documents.ts';
import { writing } from './errors.ts';

const parse = (doc: unknown): ApiToken | undefined => (doc == null ? undefined : documentToToken(doc));

export function createTokenStore(scope: Scope): TokenStore {
  const { tokens } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  return {
    async insert(token) {
      await writing(() => tokens.create([tokenToDocument(token)], write), { otherwise: 'hash' });
    },
    async findByHash(hash) {
      return parse(await tokens.findOne({ hash }).session(session).lean());
    },
    async list(tenantId, kind) {
      const docs = await tokens
        .find({ tenantId, ...(kind ? { kind } : {}) })
        .sort({ _id: 1 })
        .session(session)
        .lean();
      return docs.map(documentToToken);
    },
    async remove(tenantId, id) {
      return (await tokens.deleteOne({ tenantId, _id: id }, write)).deletedCount > 0;
    },
    async touch(tenantId, id, at) {
      await tokens.updateOne({ tenantId, _id: id }, { $set: { lastUsedAt: at } }, write);
    },
  };
}
