import type { AccountId, Member, MembershipStore, Team, TeamId, TenantId } from '../ports.ts';
import { NotFoundInStore } from '../ports.ts';
import type { Scope } from './common.ts';
import { inSession, strings } from './common.ts';
import { documentToTeam } from './documents.ts';
import { isDuplicateKey } from './errors.ts';

/** Ids per `$in` when reading accounts of a large team: keeps each query far below 16 MB. */
const CHUNK = 5000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function field(doc: unknown, key: string): unknown {
  return doc && typeof doc === 'object' ? (doc as Readonly<Record<string, unknown>>)[key] : undefined;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export function createMembershipStore(scope: Scope): MembershipStore {
  const { memberships, accounts, teams } = scope.models;
  const session = scope.session;
  const write = inSession(scope);

  /** All or nothing, as SQLite's foreign keys: the team and every account belong to the tenant. */
  async function checkMembers(
    tenantId: TenantId,
    teamId: TeamId,
    accountIds: readonly string[],
  ): Promise<void> {
    if (!(await teams.exists({ tenantId, _id: teamId }).session(session))) {
      throw new NotFoundInStore('the team does not exist in this tenant');
    }
    for (const chunk of chunks(accountIds)) {
      const found = await accounts.countDocuments({ tenantId, _id: { $in: chunk } }).session(session);
      if (found !== chunk.length) throw new NotFoundInStore('an account does not exist in this tenant');
    }
  }

  /**
   * Unordered upserts with `$setOnInsert`: existing memberships are left alone, new ones counted.
   * Outside a transaction two concurrent adds may race on the unique index; the loser's duplicate
   * key errors mean "already a member" (inside one, the server retries the transaction instead).
   */
  async function upsert(tenantId: TenantId, teamId: TeamId, accountIds: readonly string[]): Promise<number> {
    const ops = accountIds.map((accountId) => ({
      updateOne: {
        filter: { tenantId, teamId, accountId },
        update: { $setOnInsert: { tenantId, teamId, accountId } },
        upsert: true,
      },
    }));
    try {
      return (await memberships.bulkWrite(ops, { ...write, ordered: false })).upsertedCount;
    } catch (err) {
      if (session || !isDuplicateKey(err)) throw err;
      return Number(field(field(err, 'result'), 'upsertedCount') ?? 0);
    }
  }

  async function add(tenantId: TenantId, teamId: TeamId, accountIds: readonly AccountId[]): Promise<number> {
    const unique = [...new Set(accountIds)];
    if (unique.length === 0) return 0;
    await checkMembers(tenantId, teamId, unique);
    return upsert(tenantId, teamId, unique);
  }

  async function members(tenantId: TenantId, teamId: TeamId): Promise<Member[]> {
    // Served in order by the {tenantId, teamId, accountId} index.
    const rows = await memberships
      .find({ tenantId, teamId }, { _id: 0, accountId: 1 })
      .sort({ accountId: 1 })
      .session(session)
      .lean();
    const ids = strings(rows.map((row) => field(row, 'accountId')));
    const display = new Map<string, string | null>();
    for (const chunk of chunks(ids)) {
      const docs = await accounts
        .find({ tenantId, _id: { $in: chunk } }, { displayName: 1, userName: 1 })
        .session(session)
        .lean();
      for (const doc of docs)
        display.set(String(field(doc, '_id')), str(field(doc, 'displayName')) ?? str(field(doc, 'userName')));
    }
    // As SQLite's join: a membership whose account is gone is not a member.
    return ids
      .filter((id) => display.has(id))
      .map((id) => ({ accountId: id as AccountId, display: display.get(id) ?? null }));
  }

  async function teamsOf(
    tenantId: TenantId,
    accountIds: readonly AccountId[],
  ): Promise<Map<AccountId, Team[]>> {
    const result = new Map<AccountId, Team[]>(accountIds.map((id) => [id, []]));
    if (accountIds.length === 0) return result;
    const pairs = await memberships
      .find({ tenantId, accountId: { $in: [...result.keys()] } }, { accountId: 1, teamId: 1 })
      .session(session)
      .lean();
    const teamIds = [...new Set(pairs.map((pair) => String(field(pair, 'teamId'))))];
    const docs = await teams
      .find({ tenantId, _id: { $in: teamIds } })
      .sort({ _id: 1 })
      .session(session)
      .lean();
    const byId = new Map(docs.map((doc) => [String(field(doc, '_id')), documentToTeam(doc)]));
    for (const pair of pairs) {
      const team = byId.get(String(field(pair, 'teamId')));
      if (team) result.get(String(field(pair, 'accountId')) as AccountId)?.push(team);
    }
    // Teams in id order, as SQLite returns them.
    for (const list of result.values()) list.sort((x, y) => byCodePoint(x.id, y.id));
    return result;
  }

  return {
    add,
    async remove(tenantId, teamId, accountIds) {
      if (accountIds.length === 0) return 0;
      return (await memberships.deleteMany({ tenantId, teamId, accountId: { $in: [...accountIds] } }, write))
        .deletedCount;
    },
    async replace(tenantId, teamId, accountIds) {
      const unique = [...new Set(accountIds)];
      // Check first: nothing may be removed when the new set is refused.
      if (unique.length > 0) await checkMembers(tenantId, teamId, unique);
      await memberships.deleteMany({ tenantId, teamId, accountId: { $nin: unique } }, write);
      if (unique.length > 0) await upsert(tenantId, teamId, unique);
    },
    members,
    async count(tenantId, teamId) {
      return memberships.countDocuments({ tenantId, teamId }).session(session);
    },
    async whichAreMembers(tenantId, teamId, accountIds) {
      if (accountIds.length === 0) return new Set<AccountId>();
      const found = await memberships
        .distinct('accountId', { tenantId, teamId, accountId: { $in: [...accountIds] } })
        .session(session);
      return new Set(strings(found) as AccountId[]);
    },
    teamsOf,
  };
}

/** Code-point order, as MongoDB and SQLite compare strings (JS `<` compares UTF-16 code units). */
function byCodePoint(x: string, y: string): number {
  return Buffer.compare(Buffer.from(x), Buffer.from(y));
}
