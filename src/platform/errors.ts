import { StorageError, UniquenessConflict, VersionConflict } from '../storage/ports.ts';

/**
 * Errors are thrown anywhere and translated once per surface (admin JSON, SCIM, OAuth, sign-in
 * page). `code` is stable; `message` of a 4xx is shown to the caller; 5xx detail never is.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class BadRequest extends AppError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, code = 'invalid_request', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export class Unauthorized extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class Forbidden extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFound extends AppError {
  readonly status = 404;
  readonly code: string;
  constructor(message: string, code = 'not_found') {
    super(message);
    this.code = code;
  }
}

export class Conflict extends AppError {
  readonly status = 409;
  readonly code: string;
  constructor(message: string, code = 'conflict', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export class PayloadTooLarge extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaType extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

export interface PublicError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

interface HttpLikeError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Errors raised by body-parser (express.json/text/raw) carry `type` and `status`. */
function bodyParserView(err: HttpLikeError): PublicError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: 'the request body is too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: String(err.message) };
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return { status: 400, code: 'invalid_request', message: 'the request body could not be read' };
    default:
      return undefined;
  }
}

/** What a caller may see of `err`. */
export function publicView(err: unknown): PublicError {
  if (err instanceof AppError && err.status < 500)
    return { status: err.status, code: err.code, message: err.message };
  if (err instanceof UniquenessConflict) return { status: 409, code: 'conflict', message: err.message };
  if (err instanceof VersionConflict)
    return { status: 412, code: 'precondition_failed', message: err.message };
  if (err instanceof StorageError) return { status: 500, code: 'server_error', message: 'internal error' };
  if (err && typeof err === 'object') {
    const view = bodyParserView(err);
    if (view) return view;
  }
  return { status: 500, code: 'server_error', message: 'internal error' };
}
