import { AppError } from '../../platform/errors.ts';

/** Why a logout message was refused: stable (audit event `sso.logout_rejected`, docs/sign-in.md). */
export type LogoutRejectionCode =
  | 'no_connection'
  | 'malformed_request'
  | 'invalid_signature'
  | 'weak_algorithm'
  | 'wrong_destination'
  | 'wrong_issuer'
  | 'outside_time_window'
  | 'replayed_request'
  | 'unknown_request'
  | 'idp_refused';

const STATUS: Readonly<Record<LogoutRejectionCode, number>> = {
  no_connection: 404,
  malformed_request: 400,
  invalid_signature: 403,
  weak_algorithm: 403,
  wrong_destination: 403,
  wrong_issuer: 403,
  outside_time_window: 403,
  replayed_request: 403,
  unknown_request: 403,
  idp_refused: 403,
};

/**
 * A refused SAML logout message (the LogoutRequest of an IdP, or its LogoutResponse to ours).
 * `message` is the detail for the audit trail and logs; people see `publicMessage`.
 */
export class LogoutRejected extends AppError {
  readonly status: number;
  readonly code: LogoutRejectionCode;
  readonly publicMessage: string;
  constructor(
    code: LogoutRejectionCode,
    detail: string,
    publicMessage = 'Your organisation’s sign-out message could not be accepted.',
  ) {
    super(detail);
    this.code = code;
    this.status = STATUS[code];
    this.publicMessage = publicMessage;
  }
}
