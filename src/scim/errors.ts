import { AppError, publicView } from '../platform/errors.ts';
import type { ErrorCode } from '../platform/errors.ts';
import { UniquenessConflict, VersionConflict } from '../storage/ports.ts';

/** RFC 7644 §3.12 Table 9 (plus `tooMany` for the operation caps, which the RFC reserves for lists). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A SCIM protocol error: thrown by the protocol core, rendered by the router. */
export class ScimError extends AppError {
  readonly status: number;
  readonly code: string;
  readonly scimType: ScimType | undefined;
  constructor(status: number, scimType: ScimType | undefined, detail: string) {
    super(detail);
    this.status = status;
    this.scimType = scimType;
    this.code = scimType ?? `scim_${status}`;
  }
}

/** A SCIM path that exists, with a method it does not take: 405 with `Allow` (RFC 9110 §15.5.6). */
export class MethodNotAllowed extends ScimError {
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[]) {
    super(405, undefined, `${method} is not supported on ${path} (allowed: ${allow.join(', ')})`);
    this.allow = allow;
  }
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, scimType, detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);

export interface ScimErrorBody {
  readonly schemas: readonly string[];
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail: string;
}

// Codes of errors raised below the SCIM layer (platform, directory) that have a SCIM scimType.
const SCIM_TYPE_BY_CODE: Partial<Readonly<Record<ErrorCode, ScimType>>> = {
  invalid_json: 'invalidSyntax',
  invalid_request: 'invalidSyntax',
  invalid_members: 'invalidValue',
};

/** The RFC 7644 §3.12 view of any error; 5xx detail is never shown. */
export function scimErrorView(err: unknown): ScimErrorBody {
  if (err instanceof ScimError) return body(err.status, err.scimType, err.message);
  if (err instanceof UniquenessConflict) return body(409, 'uniqueness', err.message);
  if (err instanceof VersionConflict)
    return body(412, undefined, 'the resource was changed by another request');
  const view = publicView(err);
  return body(view.status, SCIM_TYPE_BY_CODE[view.code as ErrorCode], view.message);
}

function body(status: number, scimType: ScimType | undefined, detail: string): ScimErrorBody {
  return scimType
    ? { schemas: [ERROR_SCHEMA], status: String(status), scimType, detail }
    : { schemas: [ERROR_SCHEMA], status: String(status), detail };
}
