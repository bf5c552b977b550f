/**
 * One error model. Everything thrown on purpose is an `AppError` with a `status` and a stable
 * `code`; each surface has one renderer that shapes `publicView(err)` for its protocol (admin
 * JSON, SCIM error JSON, the sign-in error page, OAuth errors). The message of a 4xx is shown to
 * the caller; the detail of a 5xx never is (docs/architecture.md, errors).
 */

/** Codes of the admin API and the shared HTTP edge (docs/admin-api.md, errors). */
export type HttpErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'rate_limited'
  | 'server_error'
  | 'storage_unavailable';

/** Codes of domain refusals that every surface may meet. */
export type DomainErrorCode =
  | 'tenant_not_found'
  | 'tenant_disabled'
  | 'token_not_found'
  | 'client_not_found'
  | 'connection_not_found'
  | 'invalid_members'
  | 'invalid_metadata'
  | 'metadata_url_refused'
  | 'issuer_refused'
  | 'oidc_discovery_failed'
  | 'invalid_xml';

/** Codes of failures that are ours, never the caller's (always shown as `server_error`). */
export type InternalErrorCode = 'storage_error' | 'config_invalid' | 'secret_undecryptable';

export type ErrorCode = HttpErrorCode | DomainErrorCode | InternalErrorCode;

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An error with a status and code given where it is thrown (the classes below name the usual ones). */
export class HttpError extends AppError {
  readonly status: number;
  readonly code: ErrorCode;
  constructor(status: number, code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

export class BadRequest extends HttpError {
  constructor(message: string, code: ErrorCode = 'invalid_request', options?: ErrorOptions) {
    super(400, code, message, options);
  }
}

export class Unauthorized extends HttpError {
  constructor(message: string) {
    super(401, 'unauthorized', message);
  }
}

export class Forbidden extends HttpError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFound extends HttpError {
  constructor(message: string, code: ErrorCode = 'not_found') {
    super(404, code, message);
  }
}

export class Conflict extends HttpError {
  constructor(message: string, code: ErrorCode = 'conflict', options?: ErrorOptions) {
    super(409, code, message, options);
  }
}

export class PayloadTooLarge extends HttpError {
  constructor(message: string) {
    super(413, 'payload_too_large', message);
  }
}

export class UnsupportedMediaType extends HttpError {
  constructor(message: string) {
    super(415, 'unsupported_media_type', message);
  }
}

/** Which limit refused a request (docs/decisions/0090-rate-limits.md). */
export type RateLimitReason = 'token' | 'address' | 'lockout';

/**
 * 429: a request limit or a failed-authentication lockout. Each surface renders it in its own
 * shape with `Retry-After` (RFC 6585 §4), in whole seconds, at least 1.
 */
export class RateLimited extends HttpError {
  readonly retryAfterSeconds: number;
  readonly reason: RateLimitReason;
  constructor(reason: RateLimitReason, retryAfterSeconds: number, message: string) {
    super(429, 'rate_limited', message);
    this.reason = reason;
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/** Ours, not the caller's: logged in full, shown as `server_error`. */
export class InternalError extends AppError {
  readonly status = 500;
  readonly code: InternalErrorCode;
  constructor(code: InternalErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export interface PublicError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const SERVER_ERROR: PublicError = { status: 500, code: 'server_error', message: 'internal error' };

interface HttpLikeError {
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly type?: unknown;
  readonly expose?: unknown;
  readonly message?: unknown;
}

/** body-parser's errors (express.json/text/urlencoded) carry a `type`. */
const BODY_PARSER: Readonly<Record<string, PublicError>> = {
  'entity.parse.failed': { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  'parameters.too.many': { status: 413, code: 'payload_too_large', message: 'too many form parameters' },
  // Raised when our `verify` hook (requireUtf8) refuses the raw bytes.
  'entity.verify.failed': {
    status: 400,
    code: 'invalid_json',
    message: 'the request body is not valid UTF-8',
  },
  'request.aborted': { status: 400, code: 'invalid_request', message: 'the request body could not be read' },
  'request.size.invalid': {
    status: 400,
    code: 'invalid_request',
    message: 'the request body could not be read',
  },
  'stream.encoding.set': {
    status: 400,
    code: 'invalid_request',
    message: 'the request body could not be read',
  },
};

const CODE_BY_STATUS: Readonly<Record<number, HttpErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/**
 * Errors of the HTTP libraries we use (http-errors, as body-parser and oidc-provider's Koa raise
 * them): a 4xx they mark as exposable keeps its status; anything else is a 500.
 */
function httpLibraryView(err: HttpLikeError): PublicError | undefined {
  if (typeof err.type === 'string') {
    const known = BODY_PARSER[err.type];
    if (known) return known;
    if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported')
      return { status: 415, code: 'unsupported_media_type', message: String(err.message) };
  }
  const status = typeof err.status === 'number' ? err.status : err.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499 || err.expose !== true) return undefined;
  return {
    status,
    code: CODE_BY_STATUS[status] ?? 'invalid_request',
    message: typeof err.message === 'string' ? err.message : 'the request was refused',
  };
}

/** What a caller may see of `err`. */
export function publicView(err: unknown): PublicError {
  if (err instanceof AppError) {
    if (err.status < 500) return { status: err.status, code: err.code, message: err.message };
    if (err.status === 503)
      return { status: 503, code: 'storage_unavailable', message: 'the service is unavailable, retry later' };
    return SERVER_ERROR;
  }
  if (err && typeof err === 'object') return httpLibraryView(err) ?? SERVER_ERROR;
  return SERVER_ERROR;
}
