import type { AttrPath } from '../ports.ts';
import { StorageError } from '../ports.ts';
import { encodeSegment, FOLDED_SUFFIX } from './keys.ts';

export type Entity = 'account' | 'team';

/** A record field with its own top-level document field (see documents.ts). */
export interface OwnField {
  readonly field: string;
  readonly type: 'string' | 'boolean';
  readonly nullable: boolean;
  /**
   * The stored lowercased copy, or null when case is folded with `$toLower` at query time: only
   * for `_id` and the timestamps, which are ASCII by construction (UUIDs, `toISOString()`), where
   * MongoDB's ASCII-only `$toLower` and JS `toLowerCase` agree.
   */
  readonly folded: string | null;
}

const ID: OwnField = { field: '_id', type: 'string', nullable: false, folded: null };
const EXTERNAL_ID: OwnField = {
  field: 'externalId',
  type: 'string',
  nullable: true,
  folded: 'externalIdLower',
};
const CREATED: OwnField = { field: 'createdAt', type: 'string', nullable: false, folded: null };
const MODIFIED: OwnField = { field: 'updatedAt', type: 'string', nullable: false, folded: null };

/** Paths (joined with `/`) that address a record's own fields, per ports.ts `AttrPath`. */
const OWN_FIELDS: Readonly<Record<Entity, Readonly<Record<string, OwnField>>>> = {
  account: {
    id: ID,
    externalId: EXTERNAL_ID,
    userName: { field: 'userName', type: 'string', nullable: false, folded: 'userNameLower' },
    active: { field: 'active', type: 'boolean', nullable: false, folded: null },
    displayName: { field: 'displayName', type: 'string', nullable: true, folded: 'displayNameLower' },
    'meta/created': CREATED,
    'meta/lastModified': MODIFIED,
  },
  team: {
    id: ID,
    externalId: EXTERNAL_ID,
    displayName: { field: 'displayName', type: 'string', nullable: false, folded: 'displayNameLower' },
    'meta/created': CREATED,
    'meta/lastModified': MODIFIED,
  },
};

/** A path into stored JSON (`attributes`, or an array element inside `$elemMatch`). */
export interface JsonField {
  /** Dotted path of the value. */
  readonly field: string;
  /** Dotted path of its case-folded copy. */
  readonly folded: string;
  /**
   * Dotted paths of the value's ancestors below the root, which must not be arrays: MongoDB
   * would otherwise look inside the array's elements, where the port (and SQLite's JSON paths)
   * see no value at all.
   */
  readonly ancestors: readonly string[];
}

export type Location =
  { readonly kind: 'own'; readonly own: OwnField } | { readonly kind: 'json'; readonly json: JsonField };

/**
 * Resolves a filter path: a record's own field at record level, otherwise a path below `root`
 * (`attributes`, or `null` for a path relative to an array element).
 */
export function locate(entity: Entity, path: AttrPath, root: 'attributes' | null): Location {
  if (path.length === 0) throw new StorageError('empty attribute path');
  const own = root === null ? undefined : OWN_FIELDS[entity][path.join('/')];
  if (own) return { kind: 'own', own };
  const segments = path.map(encodeSegment);
  const prefix = root === null ? [] : [root];
  const ancestors = segments
    .slice(0, -1)
    .map((_segment, index) => [...prefix, ...segments.slice(0, index + 1)].join('.'));
  const field = [...prefix, ...segments].join('.');
  return { kind: 'json', json: { field, folded: field + FOLDED_SUFFIX, ancestors } };
}
