/**
 * The MongoDB adapter's list, run by mingo instead of a server: the same query and pipelines the
 * adapter sends (filter.ts, sort.ts), over documents shaped as the adapter stores them.
 */
import { Aggregator, Query } from 'mingo';
import type { Filter, ListQuery, TenantId } from '../../src/storage/ports.ts';
import type { Entity } from '../../src/storage/mongo/fields.ts';
import type { MembershipLookups, MongoQuery } from '../../src/storage/mongo/filter.ts';
import { membershipNeeds, toMongoQuery } from '../../src/storage/mongo/filter.ts';
import type { Stage } from '../../src/storage/mongo/sort.ts';
import { toCountPipeline, toListPipeline } from '../../src/storage/mongo/sort.ts';

export type Doc = Record<string, unknown>;
export type Target = 'accounts' | 'teams';

/** The three collections a list touches. */
export interface MingoDb {
  readonly accounts: readonly Doc[];
  readonly teams: readonly Doc[];
  readonly memberships: readonly Doc[];
}

/** `member`/`hasMembers` resolved with the same filters the adapter sends to `distinct` (teams.ts). */
export function mingoLookups(db: MingoDb, tenantId: TenantId, filter: Filter): MembershipLookups {
  const needs = membershipNeeds(filter);
  const teamIds = (query: Doc) => [
    ...new Set(
      new Query(query, {})
        .find<Doc>([...db.memberships])
        .all()
        .map((m) => String(m.teamId)),
    ),
  ];
  return {
    teamsOfAccount: new Map(
      [...needs.accounts].map((accountId) => [accountId, teamIds({ tenantId, accountId })]),
    ),
    teamsWithMembers: needs.hasMembers ? teamIds({ tenantId }) : null,
  };
}

/** A page as the adapter computes it (listPage in common.ts); `match` is the query it built. */
export function mingoList(
  db: MingoDb,
  target: Target,
  tenantId: TenantId,
  query: ListQuery,
): { ids: string[]; total: number; match: MongoQuery } {
  const entity: Entity = target === 'accounts' ? 'account' : 'team';
  const match = toMongoQuery(tenantId, query.filter, entity, mingoLookups(db, tenantId, query.filter));
  const run = (pipeline: readonly Stage[]) => new Aggregator([...pipeline], {}).run([...db[target]]);
  const total = Number(run(toCountPipeline(match))[0]?.total ?? 0);
  if (query.limit === 0 || query.offset >= total) return { ids: [], total, match };
  return { ids: run(toListPipeline(match, query, entity)).map((doc) => String(doc._id)), total, match };
}
