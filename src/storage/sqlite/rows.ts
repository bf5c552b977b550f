import type { JsonObject } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { SQLOutputValue } from 'node:sqlite';
import type { Row, Values } from './connection.ts';

/** A row by column name, or by position when read as values. */
type Cells = Row | Values;

function cell(row: Cells, column: string | number): SQLOutputValue | undefined {
  return (row as Readonly<Record<string | number, SQLOutputValue>>)[column];
}

/** Typed reads of result columns: a schema drift fails loudly instead of leaking `undefined`. */
export function text(row: Cells, column: string | number): string {
  const value = cell(row, column);
  if (typeof value !== 'string') throw new StorageError(`column ${column} is not text`);
  return value;
}

export function textOrNull(row: Cells, column: string | number): string | null {
  const value = cell(row, column);
  if (value === null) return null;
  if (typeof value !== 'string') throw new StorageError(`column ${column} is not text`);
  return value;
}

export function int(row: Cells, column: string | number): number {
  const value = cell(row, column);
  if (typeof value !== 'number') throw new StorageError(`column ${column} is not a number`);
  return value;
}

export function jsonObject(row: Cells, column: string | number): JsonObject {
  const parsed: unknown = JSON.parse(text(row, column));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StorageError(`column ${column} is not a JSON object`);
  }
  return parsed as JsonObject;
}

export function lower(value: string): string;
export function lower(value: string | null): string | null;
/** The one case fold used for keys and filters (Unicode, locale-independent), mirrored by `tg_lower`. */
export function lower(value: string | null): string | null {
  return value === null ? null : value.toLowerCase();
}
