import type { ClientSession, Model } from 'mongoose';
import type { ListQuery, Page } from '../ports.ts';
import { NotFoundInStore, VersionConflict } from '../ports.ts';
import type { UniqueFields } from './errors.ts';
import { writing } from './errors.ts';
import type { Entity } from './fields.ts';
import type { MongoQuery } from './filter.ts';
import type { Models } from './schemas.ts';
import { toCountPipeline, toListPipeline } from './sort.ts';

/** What every store works with: the models, and the session of the unit of work (if any). */
export interface Scope {
  readonly models: Models;
  /** Passed to every operation of a `tx` store, so that it joins the transaction. */
  readonly session: ClientSession | null;
  /**
   * False only on a test server declared without multi-document transactions
   * (`trustgateWithout=transactions`, docs/decisions/0040-ferretdb-in-ci.md).
   */
  readonly transactions: boolean;
}

/**
 * A page of a list. Runs as aggregations on the driver collection: mongoose would cast a `find`
 * filter to the schema (`"true"` → `true` on a Boolean path), which the type-strict `Filter`
 * semantics forbid, whereas the pipeline reaches the server exactly as built (and as tested in mingo).
 */
export async function listPage<T>(
  model: Model<unknown>,
  scope: Scope,
  match: MongoQuery,
  query: ListQuery,
  entity: Entity,
  parse: (doc: unknown) => T,
): Promise<Page<T>> {
  const options = inSession(scope);
  const counted = await model.collection.aggregate(toCountPipeline(match), options).toArray();
  const total = Number((counted[0] as { total?: unknown } | undefined)?.total ?? 0);
  if (query.limit <= 0 || query.offset >= total) return { items: [], total };
  const docs = await model.collection.aggregate(toListPipeline(match, query, entity), options).toArray();
  return { items: docs.map(parse), total };
}

/**
 * Optimistic update: applies only while the stored version is `expected` (and bumps it), and
 * returns the stored document. When nothing matched, a second look tells a lost race
 * (`VersionConflict`) from a missing record (or one of another tenant: `key` holds `tenantId`).
 */
export async function updateVersioned(
  model: Model<unknown>,
  scope: Scope,
  key: Readonly<Record<string, string>>,
  expected: number,
  update: { readonly $set: Readonly<Record<string, unknown>>; readonly $unset?: Readonly<Record<string, 1>> },
  fields: UniqueFields = {},
): Promise<unknown> {
  const change = { ...update, $set: { ...update.$set, version: expected + 1 } };
  const options = { ...inSession(scope), returnDocument: 'after' as const };
  const stored: unknown = await writing(
    () => model.findOneAndUpdate({ ...key, version: expected }, change, options).lean(),
    fields,
  );
  if (stored != null) return stored;
  const exists = await model.exists(key).session(scope.session);
  throw exists ? new VersionConflict() : new NotFoundInStore('the record does not exist');
}

/** What an update rewrites: everything but the identity and the creation time, as in SQLite. */
export function changeable(doc: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { _id: _id, tenantId: _tenantId, createdAt: _createdAt, ...fields } = doc;
  return fields;
}

/** Options that put a write into the unit of work's session (if any). */
export function inSession(scope: Scope): { readonly session: ClientSession | undefined } {
  return { session: scope.session ?? undefined };
}

/** Strings among distinct values (what `distinct` returns is untyped). */
export function strings(values: readonly unknown[]): string[] {
  return values.filter((value): value is string => typeof value === 'string');
}
