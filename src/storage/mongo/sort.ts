import type { ListQuery } from '../ports.ts';
import type { Entity, JsonField } from './fields.ts';
import { locate } from './fields.ts';
import type { MongoQuery } from './filter.ts';

/** One aggregation stage, JSON values only. */
export type Stage = { readonly [key: string]: unknown };

type SortSpec = NonNullable<ListQuery['sort']>;

/** Helper fields added for sorting and projected away before the page is returned. */
const ABSENT = '_sortAbsent';
const KEY = '_sortKey';

/**
 * The stages that order a list (before skip/limit). Port and SQLite order: the sort key with
 * absent values last when ascending and first when descending (RFC 7644 §3.4.2.3), then id
 * ascending. MongoDB puts null/missing first when ascending, so a nullable key gets an explicit
 * absence flag; a non-nullable stored key sorts directly (and can use `{tenantId, key}` indexes).
 */
export function toSortStages(sort: ListQuery['sort'], entity: Entity): Stage[] {
  if (!sort) return [{ $sort: { _id: 1 } }];
  const direction = sort.descending ? -1 : 1;
  const loc = locate(entity, sort.attr, 'attributes');
  if (loc.kind === 'json') return keyed(jsonKey(loc.json, sort), direction);
  const own = loc.own;
  const field = sort.caseExact || own.type !== 'string' ? own.field : own.folded;
  if (field === null) {
    // `_id` and timestamps: ASCII, lowered at query time (see fields.ts); never absent.
    return [
      { $addFields: { [KEY]: { $toLower: `$${own.field}` } } },
      { $sort: { [KEY]: direction, _id: 1 } },
    ];
  }
  if (!own.nullable)
    return [{ $sort: field === '_id' ? { _id: direction } : { [field]: direction, _id: 1 } }];
  return keyed({ [ABSENT]: isNull(own.field), [KEY]: `$${field}` }, direction);
}

function keyed(fields: Stage, direction: 1 | -1): Stage[] {
  return [{ $addFields: fields }, { $sort: { [ABSENT]: direction, [KEY]: direction, _id: 1 } }];
}

/** Absent like the filter's `eq null`: missing, null, or below an array ancestor. */
function jsonKey(json: JsonField, sort: SortSpec): Stage {
  const absent = { $or: [...json.ancestors.map((path) => ({ $isArray: `$${path}` })), isNull(json.field)] };
  const key = sort.caseExact ? json.field : json.folded;
  return { [ABSENT]: { $cond: [absent, 1, 0] }, [KEY]: { $cond: [absent, null, `$${key}`] } };
}

function isNull(field: string): Stage {
  return { $eq: [{ $ifNull: [`$${field}`, null] }, null] };
}

/** The whole page pipeline: match (tenant-scoped), order, skip, limit, drop the helper fields. */
export function toListPipeline(
  match: MongoQuery,
  query: Pick<ListQuery, 'offset' | 'limit' | 'sort'>,
  entity: Entity,
): Stage[] {
  const stages = toSortStages(query.sort, entity);
  const helpers = stages.some((stage) => '$addFields' in stage);
  return [
    { $match: match },
    ...stages,
    ...(query.offset > 0 ? [{ $skip: query.offset }] : []),
    { $limit: query.limit },
    ...(helpers ? [{ $project: { [ABSENT]: 0, [KEY]: 0 } }] : []),
  ];
}

export function toCountPipeline(match: MongoQuery): Stage[] {
  return [{ $match: match }, { $count: 'total' }];
}
