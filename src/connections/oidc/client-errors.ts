import * as client from 'openid-client';

/** The name of a failing check and its detail; openid-client keeps the detail in `cause`. */
export function describeClientError(err: unknown): { code: string; detail: string } {
  if (!(err instanceof Error)) return { code: 'unknown', detail: String(err) };
  const raw: unknown = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : '';
  const cause = (err as { cause?: unknown }).cause;
  let detail = err.message;
  // An error the IdP returned to the callback (RFC 6749 §4.1.2.1) names itself on the error.
  if (err instanceof client.AuthorizationResponseError)
    return {
      code: code || err.name,
      detail: `${detail} (${err.error}${err.error_description ? `: ${err.error_description}` : ''})`,
    };
  if (cause instanceof Error) detail += `: ${cause.message}`;
  else if (cause && typeof cause === 'object') {
    const { claim, expected, error, error_description } = cause as Record<string, unknown>;
    if (typeof claim === 'string') detail += ` (claim ${claim}, expected ${JSON.stringify(expected)})`;
    if (typeof error === 'string')
      detail += ` (${error}${typeof error_description === 'string' ? `: ${error_description}` : ''})`;
  }
  return { code: code || err.name, detail };
}

export const isClientError = (err: unknown): boolean =>
  err instanceof client.ClientError ||
  err instanceof client.ResponseBodyError ||
  err instanceof client.AuthorizationResponseError;

/** The claim a failed JWT claim comparison names (`iss`, `aud`, `nonce`, `azp`…), if any. */
export function failedClaim(err: unknown): string | undefined {
  // openid-client wraps oauth4webapi's error, whose own `cause` names the claim.
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const claim: unknown = (e as { claim?: unknown }).claim;
    if (typeof claim === 'string') return claim;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
