import type { CompareOp, Scalar } from '../ports.ts';
import type { Operand, ParamList } from './sql-builder.ts';
import { foldedValueOf, jsonType, valueOf } from './sql-builder.ts';

type Json = Operand & { kind: 'json' };

/**
 * One comparison as a never-NULL SQL boolean. Values compare only with the same JSON type, so
 * every branch checks the stored type first: json_extract turns JSON true/false into 1/0 and
 * SQLite would otherwise happily compare text with numbers.
 */
export function comparison(
  operand: Operand,
  op: CompareOp,
  value: Scalar,
  caseExact: boolean,
  params: ParamList,
): string {
  if (op === 'ne') return `(NOT ${comparison(operand, 'eq', value, caseExact, params)})`;
  if (value === null) return op === 'eq' ? absent(operand, params) : '0';
  if (typeof value === 'boolean') return op === 'eq' ? isBoolean(operand, value, params) : '0';
  if (typeof value === 'number') return numeric(operand, op, value, params);
  return textual(operand, op, value, caseExact, params);
}

/** `eq null`: absent or JSON null. */
function absent(operand: Operand, params: ParamList): string {
  if (operand.kind === 'column') return operand.column.nullable ? `(${operand.column.sql} IS NULL)` : '0';
  return `(COALESCE(${jsonType(operand, params)}, 'null') = 'null')`;
}

function isBoolean(operand: Operand, value: boolean, params: ParamList): string {
  if (operand.kind === 'column') {
    return operand.column.type === 'boolean' ? `(${operand.column.sql} = ${value ? 1 : 0})` : '0';
  }
  return `(${jsonType(operand, params)} IS '${value ? 'true' : 'false'}')`;
}

const ORDER_SQL: Partial<Record<CompareOp, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

function numeric(operand: Operand, op: CompareOp, value: number, params: ParamList): string {
  const sqlOp = ORDER_SQL[op];
  // Record columns hold strings and booleans only; co/sw/ew never apply to numbers.
  if (operand.kind === 'column' || !sqlOp) return '0';
  const type = jsonType(operand, params);
  return `COALESCE(${type} IN ('integer', 'real') AND ${valueOf(operand, params)} ${sqlOp} ${params.bind(value)}, 0)`;
}

function textual(
  operand: Operand,
  op: CompareOp,
  value: string,
  caseExact: boolean,
  params: ParamList,
): string {
  const needle = caseExact ? value : value.toLowerCase();
  if (operand.kind === 'json') return textualJson(operand, op, needle, caseExact, params);
  const column = operand.column;
  if (column.type !== 'string') return '0';
  if (op === 'eq') return equalColumn(operand, needle, caseExact, params);
  const subject = foldedValueOf(operand, params, caseExact);
  return `COALESCE(${stringTest(subject, op, needle, params)}, 0)`;
}

/** Equality on a column, written so that SQLite can use the column's index (`IS` is NULL-safe). */
function equalColumn(
  operand: Operand & { kind: 'column' },
  needle: string,
  caseExact: boolean,
  params: ParamList,
): string {
  const { sql, lowerSql } = operand.column;
  if (!lowerSql) return `(${foldedValueOf(operand, params, caseExact)} IS ${params.bind(needle)})`;
  if (!caseExact) return `(${lowerSql} IS ${params.bind(needle)})`;
  // Exact match still narrows through the lowercase index first.
  return `(${lowerSql} IS ${params.bind(needle.toLowerCase())} AND ${sql} IS ${params.bind(needle)})`;
}

function textualJson(
  operand: Json,
  op: CompareOp,
  needle: string,
  caseExact: boolean,
  params: ParamList,
): string {
  const type = jsonType(operand, params);
  const subject = foldedValueOf(operand, params, caseExact);
  return `COALESCE(${type} = 'text' AND ${stringTest(subject, op, needle, params)}, 0)`;
}

/** `subject op needle` on strings; `co`/`sw`/`ew` by position, so `%` and `_` are plain characters. */
function stringTest(subject: string, op: CompareOp, needle: string, params: ParamList): string {
  switch (op) {
    case 'co':
    case 'sw':
    case 'ew':
      // Every string contains, starts and ends with "": only the type matters (and NULL is none).
      if (needle === '') return `${subject} IS NOT NULL`;
      if (op === 'co') return `instr(${subject}, ${params.bind(needle)}) > 0`;
      if (op === 'sw')
        return `substr(${subject}, 1, length(${params.bind(needle)})) = ${params.bind(needle)}`;
      return `substr(${subject}, -length(${params.bind(needle)})) = ${params.bind(needle)}`;
    default:
      return `${subject} ${ORDER_SQL[op] ?? '='} ${params.bind(needle)}`;
  }
}

/** `present`: not absent, null, "", [] or {}. */
export function presence(operand: Operand, params: ParamList): string {
  if (operand.kind === 'column') {
    const { sql, type, nullable } = operand.column;
    if (type === 'boolean') return '1';
    return nullable ? `COALESCE(${sql} <> '', 0)` : `(${sql} <> '')`;
  }
  // Template substitutions run left to right, so parameters bind in the order they appear.
  return `(CASE COALESCE(${jsonType(operand, params)}, 'null') WHEN 'null' THEN 0
    WHEN 'text' THEN ${valueOf(operand, params)} <> '' WHEN 'array' THEN ${valueOf(operand, params)} <> '[]'
    WHEN 'object' THEN ${valueOf(operand, params)} <> '{}' ELSE 1 END)`;
}
