/**
 * A refused sign-in. `code` is stable (audit events, tests, docs/sign-in.md); `detail` is for the
 * audit trail and logs only; people see `publicMessage` and a reference id.
 */
export class SignInRejected extends Error {
  readonly code: string;
  readonly publicMessage: string;
  constructor(
    code: string,
    detail: string,
    publicMessage = 'Your organisation’s sign-in response could not be accepted.',
  ) {
    super(detail);
    this.name = 'SignInRejected';
    this.code = code;
    this.publicMessage = publicMessage;
  }
}
