import { randomBytes } from 'node:crypto';
import type { AccountId, EphemeralStore, TenantId } from '../storage/ports.ts';
import type { IdpKind } from '../provider/account.ts';
import type { LoginProfile } from './linking.ts';

/**
 * State that crosses the trip to the upstream IdP and back. The return is a cross-site POST, on
 * which the provider's SameSite=Lax cookies are not sent, so nothing here may depend on them:
 * the IdP gets an opaque RelayState, and the ACS hands the verified result to a same-site GET
 * (`/interaction/:uid/callback`) through a one-time token (docs/decisions/0024-relaystate.md).
 */
const PENDING_TTL = 600;
const RESULT_TTL = 120;

export interface PendingRequest {
  readonly tenantId: TenantId;
  /** Our AuthnRequest ID: the response's InResponseTo must equal it (SAML core §3.2.2). */
  readonly requestId: string;
  /** The provider's interaction, or null when the sign-in did not start at a product app. */
  readonly uid: string | null;
  /** OIDC connections: the PKCE verifier (RFC 7636 §4.1) and the nonce (OIDC Core §3.1.2.1) of the request. */
  readonly oidc?: { readonly codeVerifier: string; readonly nonce: string };
  /**
   * A test sign-in started from the admin page: the answer is verified as any other, then shown
   * to the admin session named here (a hash) instead of signing anyone in (docs/admin-ui.md#sso).
   */
  readonly test?: { readonly session: string };
}

/** What a test sign-in found: the mapped profile, or why the answer was refused. */
export type TestResult = {
  readonly tenantId: TenantId;
  readonly slug: string;
  /** The admin session that started the test (the hash in `PendingRequest.test`). */
  readonly session: string;
} & (
  | { readonly kind: 'profile'; readonly profile: LoginProfile; readonly amr: readonly string[] }
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string; readonly reference: string }
);

/** Where the IdP's answer to a test sign-in is shown (the admin page, src/admin/ui/test-sign-in.ts). */
export const TEST_RESULT_PATH = '/admin/ui/test-result';

export type LoginResult =
  | {
      readonly kind: 'login';
      readonly uid: string | null;
      readonly tenantId: TenantId;
      readonly accountId: AccountId;
      readonly idp: IdpKind;
      readonly amr: readonly string[];
    }
  | {
      readonly kind: 'error';
      readonly uid: string;
      readonly reference: string;
      readonly description: string;
    };

const token = (): string => randomBytes(24).toString('base64url');
const pendingKey = (relayState: string): string => `sso:relay:${relayState}`;
const resultKey = (t: string): string => `sso:result:${t}`;
const testKey = (t: string): string => `sso:test-result:${t}`;

/** Stores the pending request and returns the opaque RelayState that names it. */
export async function savePending(store: EphemeralStore, pending: PendingRequest): Promise<string> {
  const relayState = token();
  await store.put(pendingKey(relayState), JSON.stringify(pending), PENDING_TTL);
  return relayState;
}

/** At most once: a second post of the same RelayState finds nothing. */
export async function consumePending(
  store: EphemeralStore,
  relayState: string,
): Promise<PendingRequest | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(relayState)) return undefined;
  const raw = await store.consume(pendingKey(relayState));
  return raw === undefined ? undefined : (JSON.parse(raw) as PendingRequest);
}

export async function saveResult(store: EphemeralStore, result: LoginResult): Promise<string> {
  const t = token();
  await store.put(resultKey(t), JSON.stringify(result), RESULT_TTL);
  return t;
}

export async function consumeResult(store: EphemeralStore, t: string): Promise<LoginResult | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(t)) return undefined;
  const raw = await store.consume(resultKey(t));
  return raw === undefined ? undefined : (JSON.parse(raw) as LoginResult);
}

export async function saveTestResult(store: EphemeralStore, result: TestResult): Promise<string> {
  const t = token();
  await store.put(testKey(t), JSON.stringify(result), PENDING_TTL);
  return t;
}

/** Read without spending it: the admin page checks the session before it consumes the result. */
export async function peekTestResult(store: EphemeralStore, t: string): Promise<TestResult | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(t)) return undefined;
  const raw = await store.get(testKey(t));
  return raw === undefined ? undefined : (JSON.parse(raw) as TestResult);
}

export async function consumeTestResult(store: EphemeralStore, t: string): Promise<TestResult | undefined> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(t)) return undefined;
  const raw = await store.consume(testKey(t));
  return raw === undefined ? undefined : (JSON.parse(raw) as TestResult);
}
