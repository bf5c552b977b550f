import type { AttrPath, CompareOp, Filter, Scalar } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Entity, JsonField, Location, OwnField } from './fields.ts';
import { locate } from './fields.ts';

/** A MongoDB query document made of JSON values only (no RegExp, no BSON types). */
export type MongoQuery = { readonly [key: string]: unknown };

/**
 * `member` and `hasMembers` need the memberships collection; the adapter looks them up first and
 * hands the team ids in, so the builder stays pure (and the mingo cross-check runs it too).
 */
export interface MembershipLookups {
  /** Ids of the teams each `member` filter's account belongs to. */
  readonly teamsOfAccount: ReadonlyMap<string, readonly string[]>;
  /** Ids of the teams with at least one member; null when the filter has no `hasMembers`. */
  readonly teamsWithMembers: readonly string[] | null;
}

export const NO_LOOKUPS: MembershipLookups = { teamsOfAccount: new Map(), teamsWithMembers: null };

/** A condition, or a constant once simplified (MongoDB has no literal true/false query). */
type Cond = MongoQuery | boolean;

interface Context {
  readonly entity: Entity;
  readonly lookups: MembershipLookups;
  /** Inside `$elemMatch`: paths are relative to the element and record fields do not apply. */
  readonly inElement: boolean;
}

/**
 * Translates a port `Filter` into a MongoDB query for one tenant, with the semantics documented
 * on `Filter` in ports.ts. The result always constrains `tenantId` (the shard key) at top level.
 */
export function toMongoQuery(
  tenantId: string,
  filter: Filter,
  entity: Entity,
  lookups = NO_LOOKUPS,
): MongoQuery {
  const cond = translate({ entity, lookups, inElement: false }, filter);
  if (cond === true) return { tenantId };
  if (cond === false) return { tenantId, _id: { $in: [] } };
  return { tenantId, $and: [cond] };
}

function translate(ctx: Context, filter: Filter): Cond {
  switch (filter.kind) {
    case 'all':
      return true;
    case 'and':
      return and(filter.filters.map((inner) => translate(ctx, inner)));
    case 'or':
      return or(filter.filters.map((inner) => translate(ctx, inner)));
    case 'not':
      return not(translate(ctx, filter.filter));
    case 'compare':
      return compare(locateIn(ctx, filter.attr), filter.op, filter.value, filter.caseExact);
    case 'present':
      return present(locateIn(ctx, filter.attr));
    case 'elem':
      return elem(ctx, filter.attr, filter.filter);
    case 'member':
    case 'hasMembers':
      return membership(ctx, filter);
  }
}

function locateIn(ctx: Context, path: AttrPath): Location {
  return locate(ctx.entity, path, ctx.inElement ? null : 'attributes');
}

// ---------------------------------------------------------------------------------------------
// Boolean structure, with constants folded away so that they never reach the query.

function and(conds: readonly Cond[]): Cond {
  if (conds.includes(false)) return false;
  const rest = conds.filter((cond): cond is MongoQuery => cond !== true);
  if (rest.length === 0) return true;
  return rest.length === 1 ? (rest[0] ?? true) : { $and: rest };
}

function or(conds: readonly Cond[]): Cond {
  if (conds.includes(true)) return true;
  const rest = conds.filter((cond): cond is MongoQuery => cond !== false);
  if (rest.length === 0) return false;
  return rest.length === 1 ? (rest[0] ?? false) : { $or: rest };
}

function not(cond: Cond): Cond {
  return typeof cond === 'boolean' ? !cond : { $nor: [cond] };
}

/** The value is reachable: none of its ancestors is an array (see `JsonField.ancestors`). */
function reachable(json: JsonField, cond: Cond): Cond {
  return and([...json.ancestors.map((path) => ({ [path]: { $not: { $type: 'array' } } })), cond]);
}

// ---------------------------------------------------------------------------------------------
// Comparisons

const RANGE: Partial<Record<CompareOp, string>> = { gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' };

function compare(loc: Location, op: CompareOp, value: Scalar, caseExact: boolean): Cond {
  if (op === 'ne') return not(compare(loc, 'eq', value, caseExact));
  if (value === null) return op === 'eq' ? absent(loc) : false;
  if (typeof value === 'string') return textual(loc, op, value, caseExact);
  // Booleans only compare for equality; numbers never take co/sw/ew.
  if (op !== 'eq' && (typeof value === 'boolean' || RANGE[op] === undefined)) return false;
  if (loc.kind === 'own') {
    // Own fields hold strings and booleans only.
    return loc.own.type === 'boolean' && typeof value === 'boolean' ? { [loc.own.field]: value } : false;
  }
  // MongoDB compares within one type bracket (numbers with numbers), as the port requires; the
  // stored arrays hold objects only, so a scalar never matches an element (keys.ts).
  return reachable(loc.json, { [loc.json.field]: op === 'eq' ? value : { [rangeOp(op)]: value } });
}

function rangeOp(op: CompareOp): string {
  const mongoOp = RANGE[op];
  if (!mongoOp) throw new StorageError(`operator ${op} is not a range operator`);
  return mongoOp;
}

/** `eq null`: absent or null (a value under an array ancestor is absent too). */
function absent(loc: Location): Cond {
  if (loc.kind === 'own') return loc.own.nullable ? { [loc.own.field]: null } : false;
  // `{f: null}` matches a missing field or null; arrays (of objects) never equal null.
  if (loc.json.ancestors.length === 0) return { [loc.json.field]: null };
  return not(reachable(loc.json, { [loc.json.field]: { $ne: null } }));
}

function textual(loc: Location, op: CompareOp, value: string, caseExact: boolean): Cond {
  const needle = caseExact ? value : value.toLowerCase();
  if (loc.kind === 'json')
    return reachable(loc.json, stringTest(caseExact ? loc.json.field : loc.json.folded, op, needle));
  const own = loc.own;
  if (own.type !== 'string') return false;
  if (caseExact) return stringTest(own.field, op, needle);
  return own.folded === null ? loweredTest(own, op, needle) : stringTest(own.folded, op, needle);
}

/** `field op needle` on strings; a range operator on a string only matches strings in MongoDB. */
function stringTest(field: string, op: CompareOp, needle: string): MongoQuery {
  if (op === 'eq') return { [field]: needle };
  const pattern = substringPattern(op, needle);
  if (pattern !== null) return { [field]: { $regex: pattern } };
  return { [field]: { [rangeOp(op)]: needle } };
}

/** Case folded at query time (own fields without a stored copy). `$literal`: never a field path. */
function loweredTest(own: OwnField, op: CompareOp, needle: string): MongoQuery {
  const lowered = { $toLower: `$${own.field}` };
  const pattern = substringPattern(op, needle);
  if (pattern !== null) return { $expr: { $regexMatch: { input: lowered, regex: { $literal: pattern } } } };
  const exprOp = op === 'eq' ? '$eq' : rangeOp(op);
  return { $expr: { [exprOp]: [lowered, { $literal: needle }] } };
}

/**
 * An anchored regex of the escaped needle for co/sw/ew, else null. The end anchor is
 * `(?![\s\S])`, not `$`: PCRE's `$` (MongoDB) also matches before a final newline, JS's does not.
 */
export function substringPattern(op: CompareOp, needle: string): string | null {
  const escaped = escapeRegex(needle);
  if (op === 'co') return escaped;
  if (op === 'sw') return `^${escaped}`;
  if (op === 'ew') return `${escaped}(?![\\s\\S])`;
  return null;
}

/**
 * Every regex syntax character escaped: PCRE and JS (with or without the `u` flag) read these
 * escapes identically. NUL cannot travel inside a BSON regex string, so it becomes `\x00`.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&').replace(/\0/g, '\\x00');
}

// ---------------------------------------------------------------------------------------------
// present, elem, member

/** Not absent, null, "", [] or {}. Typed branches: `$nin` would look inside arrays. */
function present(loc: Location): Cond {
  if (loc.kind === 'own') {
    if (loc.own.type === 'boolean') return true;
    return { [loc.own.field]: loc.own.nullable ? { $nin: [null, ''] } : { $ne: '' } };
  }
  const field = loc.json.field;
  return reachable(loc.json, {
    $or: [
      { [field]: { $type: 'string', $ne: '' } },
      { [field]: { $type: 'number' } },
      { [field]: { $type: 'bool' } },
      { [field]: { $type: 'object', $ne: {} } },
      { [field]: { $type: 'array', $ne: [] } },
    ],
  });
}

function elem(ctx: Context, attr: AttrPath, inner: Filter): Cond {
  const loc = locateIn(ctx, attr);
  if (loc.kind === 'own') return false; // record fields are single-valued
  const cond = translate({ ...ctx, inElement: true }, inner);
  if (cond === false) return false;
  const field = loc.json.field;
  // `$elemMatch` matches arrays only; an always-true inner filter needs a non-empty array.
  return reachable(loc.json, { [field]: cond === true ? { $type: 'array', $ne: [] } : { $elemMatch: cond } });
}

function membership(ctx: Context, filter: Filter & { kind: 'member' | 'hasMembers' }): Cond {
  if (ctx.entity !== 'team' || ctx.inElement) {
    throw new StorageError(`filter ${filter.kind} applies to teams only, at record level`);
  }
  const ids =
    filter.kind === 'member'
      ? ctx.lookups.teamsOfAccount.get(filter.accountId)
      : ctx.lookups.teamsWithMembers;
  if (!ids) throw new StorageError(`filter ${filter.kind} was not resolved against the memberships`);
  return ids.length === 0 ? false : { _id: { $in: [...ids] } };
}

/** What a filter needs from the memberships collection before it can be built. */
export function membershipNeeds(filter: Filter): {
  readonly accounts: ReadonlySet<string>;
  readonly hasMembers: boolean;
} {
  const accounts = new Set<string>();
  let hasMembers = false;
  const visit = (node: Filter): void => {
    if (node.kind === 'and' || node.kind === 'or') node.filters.forEach(visit);
    else if (node.kind === 'not' || node.kind === 'elem') visit(node.filter);
    else if (node.kind === 'member') accounts.add(node.accountId);
    else if (node.kind === 'hasMembers') hasMembers = true;
  };
  visit(filter);
  return { accounts, hasMembers };
}
