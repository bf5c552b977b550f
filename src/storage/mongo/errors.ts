import { StorageUnavailable, UniquenessConflict } from '../ports.ts';

/** MongoDB's duplicate key error (E11000), for inserts, updates and upserts alike. */
export const DUPLICATE_KEY = 11000;

/** Stored field of a unique index → the record field named in `UniquenessConflict`. */
const UNIQUE_FIELDS: Readonly<Record<string, string>> = {
  userNameLower: 'userName',
  displayNameLower: 'displayName',
  slug: 'slug',
  domains: 'domains',
  hash: 'hash',
  subject: 'subject',
};

interface DriverError {
  readonly code?: unknown;
  readonly keyPattern?: unknown;
  readonly message: string;
  readonly writeErrors?: unknown;
}

function asDriverError(err: unknown): DriverError | undefined {
  return err instanceof Error ? err : undefined;
}

/** The duplicate key error inside `err` (bulk errors carry theirs in `writeErrors`), if any. */
function duplicateKey(err: unknown): DriverError | undefined {
  const driver = asDriverError(err);
  if (!driver) return undefined;
  if (driver.code === DUPLICATE_KEY) return driver;
  if (Array.isArray(driver.writeErrors)) {
    const first: unknown = driver.writeErrors[0];
    if (first && typeof first === 'object' && (first as DriverError).code === DUPLICATE_KEY) {
      return { ...(first as DriverError), message: driver.message };
    }
  }
  return undefined;
}

export function isDuplicateKey(err: unknown): boolean {
  return duplicateKey(err) !== undefined;
}

/** Which field a store names when the server says only "duplicate key". */
export interface UniqueFields {
  /** The record field behind `_id` (`id`, or `clientId` for product apps). */
  readonly id?: string;
  /**
   * Named when the error carries neither `keyPattern` (MongoDB ≥ 4.4 always sends it) nor an
   * index name, as some MongoDB-compatible servers do: the collection's main unique field.
   */
  readonly otherwise?: string;
}

/**
 * The field whose unique index failed: from `keyPattern`, else from the index name in the message
 * (`E11000 duplicate key error collection: … index: slug_1 dup key`). Every tenant-scoped index
 * leads with `tenantId`, so the last key is the clashing field.
 */
function conflictField(err: DriverError, fields: UniqueFields): string {
  const pattern = err.keyPattern;
  const keys = pattern && typeof pattern === 'object' ? Object.keys(pattern) : [];
  const last = keys.at(-1) ?? lastKeyOfIndexName(/index: (\S+)/.exec(err.message)?.[1] ?? '');
  if (last === '_id') return fields.id ?? 'id';
  return UNIQUE_FIELDS[last] ?? (last || (fields.otherwise ?? 'key'));
}

/** Default index names join `field_direction` pairs: `tenantId_1_userNameLower_1`; `_id_` is special. */
function lastKeyOfIndexName(name: string): string {
  if (name === '_id_') return '_id';
  return (
    name
      .split(/_-?1(?:_|$)/)
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

/** Rethrows duplicate key errors as `UniquenessConflict` naming the field (see `UniqueFields`). */
export function translateWriteError(err: unknown, fields: UniqueFields = {}): unknown {
  const duplicate = duplicateKey(err);
  if (!duplicate) return err;
  const conflict = new UniquenessConflict(conflictField(duplicate, fields));
  conflict.cause = err;
  return conflict;
}

/** Runs a write, translating duplicate key errors. */
export async function writing<T>(fn: () => Promise<T>, fields: UniqueFields = {}): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateWriteError(err, fields);
  }
}

/** Driver errors that mean the server cannot be reached now (not that the request is wrong). */
const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoWaitQueueTimeoutError',
]);

/** A `StorageUnavailable` when `err` (or its cause) says MongoDB is unreachable, else undefined. */
export function unreachable(err: unknown): StorageUnavailable | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e instanceof StorageUnavailable) return e;
    if (UNREACHABLE.has(e.name))
      return new StorageUnavailable(`MongoDB is unreachable: ${e.message}`, { cause: err });
  }
  return undefined;
}
