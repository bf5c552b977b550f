import type { JsonObject } from '../ports.ts';
import { StorageError } from '../ports.ts';
import type { Row } from './connection.ts';

/** Typed reads of result columns: a schema drift fails loudly instead of leaking `undefined`. */
export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw new StorageError(`column ${column} is not text`);
  return value;
}

export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw new StorageError(`column ${column} is not text`);
  return value;
}

export function int(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw new StorageError(`column ${column} is not a number`);
  return value;
}

export function jsonObject(row: Row, column: string): JsonObject {
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
