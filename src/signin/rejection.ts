import { AppError } from '../platform/errors.ts';

/** Why a sign-in was refused: stable (audit events, metrics, docs/sign-in.md). */
export type RejectionCode =
  | 'no_connection'
  | 'unknown_tenant'
  | 'malformed_response'
  | 'invalid_response'
  | 'invalid_signature'
  | 'weak_algorithm'
  | 'wrong_audience'
  | 'wrong_issuer'
  | 'wrong_destination'
  | 'wrong_recipient'
  | 'outside_time_window'
  | 'idp_refused'
  | 'unknown_request'
  | 'unsolicited_response'
  | 'replayed_assertion'
  | 'ambiguous_account'
  | 'account_inactive'
  | 'not_provisioned'
  // OpenID Connect connections (src/connections/oidc/)
  | 'invalid_state'
  | 'wrong_nonce'
  | 'invalid_id_token'
  | 'code_exchange_failed'
  | 'idp_unreachable'
  | 'wrong_idp_tenant'
  | 'wrong_hosted_domain'
  | 'email_domain_not_allowed'
  | 'email_unverified';

/**
 * A refused sign-in (403). `message` is the detail for the audit trail and logs only; people see
 * `publicMessage` and a reference id.
 */
export class SignInRejected extends AppError {
  readonly status = 403;
  readonly code: RejectionCode;
  readonly publicMessage: string;
  constructor(
    code: RejectionCode,
    detail: string,
    publicMessage = 'Your organisation’s sign-in response could not be accepted.',
  ) {
    super(detail);
    this.code = code;
    this.publicMessage = publicMessage;
  }
}
