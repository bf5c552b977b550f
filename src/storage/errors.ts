import { AppError } from '../platform/errors.ts';

/**
 * Errors every adapter raises in the same situations (the contract suite holds them to it).
 * They are `AppError`s, so each surface renders them like any other error: a conflict is the
 * caller's (409, 412), any other storage failure is ours (500, its detail logged, never shown).
 */
export class StorageError extends AppError {
  readonly status: number = 500;
  readonly code: string = 'storage_error';
}

/** A unique key (userName, team displayName, slug, domain) is taken, case-insensitively. */
export class UniquenessConflict extends StorageError {
  override readonly status = 409;
  override readonly code = 'conflict';
  readonly field: string;
  constructor(field: string, message = `${field} is already taken`) {
    super(message);
    this.field = field;
  }
}

/** An optimistic update lost: the record's version moved on since it was read. */
export class VersionConflict extends StorageError {
  override readonly status = 412;
  override readonly code = 'precondition_failed';
  constructor(message = 'the record was changed by someone else') {
    super(message);
  }
}

/** The record to change is gone (removed by a concurrent request). */
export class NotFoundInStore extends StorageError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

/**
 * The store cannot take the request now (MongoDB unreachable, the SQLite file unwritable or its
 * disk full, the database locked by another process): a 503 with `Retry-After`; service resumes
 * by itself when the store returns (docs/operations.md, store outage).
 */
export class StorageUnavailable extends StorageError {
  override readonly status = 503;
  override readonly code = 'storage_unavailable';
}
