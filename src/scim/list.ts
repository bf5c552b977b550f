import type { ListQuery } from '../storage/ports.ts';
import { badRequest, ScimError } from './errors.ts';
import { resolveAttr } from './paths.ts';
import { translateFilter, translateSort } from './filter.ts';
import { parseProjection } from './projection.ts';
import type { Projection } from './projection.ts';
import type { ResourceSchema } from './schema.ts';

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** Largest page we return (advertised as `filter.maxResults`); larger `count`s are clamped (RFC 7644 §3.4.2.4). */
export const MAX_PAGE = 1000;
/** Page size when the client gives no `count`. */
export const DEFAULT_PAGE = 100;

export interface ListParams {
  readonly query: ListQuery;
  /** 1-based, as the client gave it. */
  readonly startIndex: number;
  readonly projection: Projection;
}

/** Query parameters (GET) or a SearchRequest body (POST .search) as plain strings/numbers. */
export type ListInput = Readonly<Record<string, unknown>>;

function integer(input: ListInput, name: string): number | undefined {
  const raw = input[name];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n)) throw badRequest('invalidValue', `"${name}" must be an integer`);
  return n;
}

function text(input: ListInput, name: string): string | undefined {
  const raw = input[name];
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw.join(',');
  if (typeof raw !== 'string') throw badRequest('invalidValue', `"${name}" must be a string`);
  return raw;
}

/** Past any real directory: a larger startIndex is read as this one (an empty page, not an error). */
const MAX_START_INDEX = 2 ** 31 - 1;

/**
 * RFC 7644 §3.4.2: startIndex < 1 means 1, count < 0 means 0. With `lacking` (a search over
 * several resource types), attributes this type lacks have no value (see `translateFilter`), and
 * a `sortBy` it lacks leaves its resources in the default order.
 */
export function parseListParams(
  resource: ResourceSchema,
  input: ListInput,
  lacking?: Set<string>,
): ListParams {
  const startIndex = Math.min(MAX_START_INDEX, Math.max(1, integer(input, 'startIndex') ?? 1));
  const count = Math.min(MAX_PAGE, Math.max(0, integer(input, 'count') ?? DEFAULT_PAGE));
  const sort = sortFor(resource, text(input, 'sortBy'), text(input, 'sortOrder'), lacking);
  const query: ListQuery = {
    filter: translateFilter(resource, text(input, 'filter'), lacking),
    offset: startIndex - 1,
    limit: count,
    ...(sort ? { sort } : {}),
  };
  return {
    query,
    startIndex,
    projection: parseProjection(resource, text(input, 'attributes'), text(input, 'excludedAttributes')),
  };
}

function sortFor(
  resource: ResourceSchema,
  sortBy: string | undefined,
  sortOrder: string | undefined,
  lacking: Set<string> | undefined,
): ReturnType<typeof translateSort> {
  if (!lacking || !sortBy) return translateSort(resource, sortBy, sortOrder);
  try {
    return translateSort(resource, sortBy, sortOrder);
  } catch (err) {
    if (!(err instanceof ScimError) || findsAttribute(resource, sortBy)) throw err;
    lacking.add(sortBy.toLowerCase());
    return undefined;
  }
}

function findsAttribute(resource: ResourceSchema, name: string): boolean {
  try {
    resolveAttr(resource, name);
    return true;
  } catch {
    return false;
  }
}
