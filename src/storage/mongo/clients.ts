import type { ClientStore, OAuthClient } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession } from './common.ts';
import { clientToDocument, documentToClient } from './documents.ts';
import { writing } from './errors.ts';

const parse = (doc: unknown): OAuthClient | undefined => (doc == null ? undefined : documentToClient(doc));

/** Product apps are operator-scoped, not tenant data: keyed by `clientId` alone. */
export function createClientStore(scope: Scope): ClientStore {
  const { clients } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  return {
    async insert(client) {
      await writing(() => clients.create([clientToDocument(client)], write), {
        id: 'clientId',
        otherwise: 'clientId',
      });
    },
    async get(clientId) {
      return parse(await clients.findOne({ _id: clientId }).session(session).lean());
    },
    async list() {
      const docs = await clients.find().sort({ _id: 1 }).session(session).lean();
      return docs.map(documentToClient);
    },
    async update(client) {
      const doc = clientToDocument(client);
      const { matchedCount } = await clients.updateOne(
        { _id: client.clientId },
        { $set: { name: doc['name'], metadata: doc['metadata'] } },
        write,
      );
      return matchedCount > 0;
    },
    async remove(clientId) {
      return (await clients.deleteOne({ _id: clientId }, write)).deletedCount > 0;
    },
  };
}
