import type { Account, AccountId, AccountStore, TenantId } from '../ports.ts';
import { NotFoundInStore, UniquenessConflict } from '../ports.ts';
import type { Scope } from './common.ts';
import { changeable, inSession, listPage, strings, updateVersioned } from './common.ts';
import { accountToDocument, documentToAccount } from './documents.ts';
import { writing } from './errors.ts';
import { toMongoQuery } from './filter.ts';

const UNIQUE = { otherwise: 'userName' } as const;

const parse = (doc: unknown): Account | undefined => (doc == null ? undefined : documentToAccount(doc));

export function createAccountStore(scope: Scope): AccountStore {
  const { accounts, links, memberships } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  const get = async (tenantId: TenantId, id: AccountId): Promise<Account | undefined> =>
    parse(await accounts.findOne({ tenantId, _id: id }).session(session).lean());

  const linkedAccount = async (tenantId: TenantId, subject: string): Promise<string | undefined> => {
    const link: unknown = await links.findOne({ tenantId, subject }).session(session).lean();
    const accountId =
      link && typeof link === 'object' ? (link as { readonly accountId?: unknown }).accountId : undefined;
    return typeof accountId === 'string' ? accountId : undefined;
  };

  return {
    get,

    async getByUserName(tenantId, userName) {
      return parse(
        await accounts.findOne({ tenantId, userNameLower: userName.toLowerCase() }).session(session).lean(),
      );
    },

    async getByEmail(tenantId, email) {
      const docs = await accounts
        .find({ tenantId, emailLower: email.toLowerCase() })
        .sort({ _id: 1 })
        .session(session)
        .lean();
      return docs.map(documentToAccount);
    },

    async existing(tenantId, ids) {
      if (ids.length === 0) return new Set();
      const found = await accounts.distinct('_id', { tenantId, _id: { $in: [...ids] } }).session(session);
      return new Set(strings(found) as AccountId[]);
    },

    async list(tenantId, query) {
      return listPage(
        accounts,
        scope,
        toMongoQuery(tenantId, query.filter, 'account'),
        query,
        'account',
        documentToAccount,
      );
    },

    async insert(account) {
      await writing(() => accounts.create([accountToDocument(account)], write), UNIQUE);
    },

    async update(account, expectedVersion) {
      const key = { tenantId: account.tenantId, _id: account.id };
      return documentToAccount(
        await updateVersioned(
          accounts,
          scope,
          key,
          expectedVersion,
          {
            $set: changeable(accountToDocument(account)),
          },
          UNIQUE,
        ),
      );
    },

    async remove(tenantId, id) {
      const { deletedCount } = await accounts.deleteOne({ tenantId, _id: id }, write);
      if (deletedCount === 0) return false;
      await memberships.deleteMany({ tenantId, accountId: id }, write);
      await links.deleteMany({ tenantId, accountId: id }, write);
      return true;
    },

    async findBySubject(tenantId, subject) {
      const accountId = await linkedAccount(tenantId, subject);
      return accountId === undefined ? undefined : get(tenantId, accountId as AccountId);
    },

    async link(tenantId, subject, accountId) {
      // As SQLite: the account must be of this tenant, re-linking is a no-op, and a subject linked
      // to another account conflicts. Checked before writing: inside a transaction a duplicate key
      // error would abort the whole unit of work.
      const exists = await accounts.exists({ tenantId, _id: accountId }).session(session);
      if (!exists) throw new NotFoundInStore('a referenced record does not exist in this tenant');
      const current = await linkedAccount(tenantId, subject);
      if (current === accountId) return;
      if (current !== undefined) throw new UniquenessConflict('subject');
      const doc: Readonly<Record<string, string>> = { tenantId, subject, accountId };
      await writing(() => links.create([doc], write));
    },
  };
}
