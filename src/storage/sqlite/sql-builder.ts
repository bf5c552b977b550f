import type { AttrPath, Scalar } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Param } from './connection.ts';

/** Collects bound parameters in the order their `?` appear in the SQL text being built. */
export class ParamList {
  readonly values: Param[] = [];

  /** Binds `value` and returns its placeholder. Values are never spliced into SQL text. */
  bind(value: Scalar): string {
    this.values.push(typeof value === 'boolean' ? Number(value) : value);
    return '?';
  }
}

/** A record field stored in its own column (and, where lookups need it, a lowercased twin). */
export interface ColumnSpec {
  readonly sql: string;
  readonly type: 'string' | 'boolean';
  readonly nullable: boolean;
  /** Column holding `tg_lower(sql)`, indexed, so case-insensitive equality uses the index. */
  readonly lowerSql?: string;
}

/** Where a path points: a column, or a JSON path (an SQL expression) into a JSON document column. */
export type Operand =
  | { readonly kind: 'column'; readonly column: ColumnSpec }
  | { readonly kind: 'json'; readonly doc: string; readonly path: (params: ParamList) => string };

/**
 * Segments of attribute names (`userName`, `$ref`) and schema URNs
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). Anything else is refused, so a
 * segment can never close the double quotes it is wrapped in within a JSON path.
 */
const SEGMENT = /^[A-Za-z0-9_$:.-]+$/;

/** `['name', 'givenName']` → `."name"."givenName"`, to append to `$` or to an element's path. */
export function jsonPathSuffix(path: AttrPath): string {
  if (path.length === 0) throw new StorageError('empty attribute path');
  return path
    .map((segment) => {
      if (!SEGMENT.test(segment))
        throw new StorageError(`invalid attribute path segment ${JSON.stringify(segment)}`);
      return `."${segment}"`;
    })
    .join('');
}

/** SQL for the JSON type of an operand (`json_type` names, or NULL when absent). */
export function jsonType(operand: Operand & { kind: 'json' }, params: ParamList): string {
  return `json_type(${operand.doc}, ${operand.path(params)})`;
}

/** SQL for the SQL value of an operand. JSON true/false come back as 1/0: check the type first. */
export function valueOf(operand: Operand, params: ParamList): string {
  if (operand.kind === 'column') return operand.column.sql;
  return `json_extract(${operand.doc}, ${operand.path(params)})`;
}

/** The value with case folded when the comparison ignores case (an indexed lowercase column if any). */
export function foldedValueOf(operand: Operand, params: ParamList, caseExact: boolean): string {
  if (caseExact) return valueOf(operand, params);
  if (operand.kind === 'column') {
    if (operand.column.type !== 'string') return operand.column.sql;
    return operand.column.lowerSql ?? `tg_lower(${operand.column.sql})`;
  }
  return `tg_lower(${valueOf(operand, params)})`;
}
