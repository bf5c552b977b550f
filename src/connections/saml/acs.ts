import type { Profile } from '@node-saml/node-saml';
import type { Account, EphemeralStore, Tenant } from '../../storage/ports.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { PendingRequest } from '../../signin/login-state.ts';
import type { SignIn } from '../../signin/service.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import type { RejectionCode } from '../../signin/rejection.ts';
import { samlConnectionOf, spValues } from './connection.ts';
import { ssoSettings } from '../../tenants/settings.ts';
import type { SamlConnection } from './connection.ts';
import { samlFor } from './sp.ts';
import type { SpContext } from './sp.ts';
import { amrOf, checkAssertion, precheckResponse } from './checks.ts';
import type { AssertionFacts, ResponseFacts } from './checks.ts';
import { loginProfileOf } from './attributes.ts';
import { decodeUtf8 } from '../../platform/http/json.ts';
import type { LoginProfile } from '../../signin/linking.ts';
import { rememberSamlSession } from './slo-session.ts';

/** What the ACS knows so far; each step adds to it. */
/** What the ACS steps use: the SP, the replay cache and the shared sign-in steps. */
export interface AcsDeps extends SpContext {
  readonly ephemeral: EphemeralStore;
  readonly signIn: Pick<SignIn, 'consumePending' | 'link'>;
}

export interface AcsState {
  readonly deps: AcsDeps;
  readonly audit: AuditContext;
  readonly tenant: Tenant;
  readonly samlResponse: string;
  readonly relayState: string;
  connection?: SamlConnection;
  pending?: PendingRequest | undefined;
  xml?: string;
  facts?: ResponseFacts;
  profile?: Profile;
  assertion?: AssertionFacts;
  account?: Account;
  /** A test sign-in's verified, mapped profile (never linked to an account). */
  tested?: LoginProfile;
}

const acsUrl = (s: AcsState): string => spValues(s.deps.publicUrl, s.tenant.slug).acsUrl;
const settings = (s: AcsState) => ssoSettings(s.tenant);

function need<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`ACS step ${step} ran out of order`);
  return value;
}

/** The RelayState names our pending request; consumed first, so a failed attempt ends it. */
async function loadPending(s: AcsState): Promise<void> {
  s.connection = samlConnectionOf(s.tenant);
  if (!s.connection)
    throw new SignInRejected(
      'no_connection',
      'the tenant has no SAML connection',
      'Single sign-on is not set up for this organisation.',
    );
  s.pending = s.relayState ? await s.deps.signIn.consumePending(s.relayState) : undefined;
  if (s.pending && s.pending.tenantId !== s.tenant.id)
    throw new SignInRejected('unknown_request', 'RelayState belongs to another tenant');
}

async function precheck(s: AcsState): Promise<void> {
  if (s.samlResponse.length === 0) throw new SignInRejected('malformed_response', 'no SAMLResponse');
  try {
    // Strict: what is not UTF-8 is refused, not read with U+FFFD in place of the bytes.
    s.xml = decodeUtf8(Buffer.from(s.samlResponse, 'base64'));
  } catch {
    throw new SignInRejected('malformed_response', 'the SAMLResponse is not UTF-8 XML');
  }
  s.facts = precheckResponse(
    s.xml,
    acsUrl(s),
    need(s.connection, 'precheck').idp.entityId,
    settings(s).allowSha1,
  );
}

/**
 * node-saml raises plain `Error`s without codes, so its refusals are told apart by message, in
 * this one table, each code asserted by test/connections/saml/rejections.test.ts.
 */
const NODE_SAML_REFUSALS: readonly (readonly [RegExp, RejectionCode])[] = [
  [/signature|assertion from signed data/i, 'invalid_signature'],
  [/audience/i, 'wrong_audience'],
  [/expired|not yet valid|NotBefore|NotOnOrAfter/i, 'outside_time_window'],
  [/issuer/i, 'wrong_issuer'],
  [/status/i, 'idp_refused'],
];

function nodeSamlCode(message: string): RejectionCode {
  return NODE_SAML_REFUSALS.find(([pattern]) => pattern.test(message))?.[1] ?? 'invalid_response';
}

/** node-saml: signature against every tenant cert, audience, issuer, time window with skew. */
async function verifySignature(s: AcsState): Promise<void> {
  const saml = samlFor(s.deps, s.tenant, need(s.connection, 'verify'));
  try {
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: s.samlResponse });
    if (!profile) throw new Error('no assertion in the response');
    s.profile = profile;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new SignInRejected(nodeSamlCode(message), message);
  }
}

/** SAML core §3.2.2 InResponseTo: must be a request we issued, bound to this RelayState, once. */
async function matchRequest(s: AcsState): Promise<void> {
  const inResponseTo = need(s.facts, 'match').inResponseTo;
  if (s.pending) {
    if (inResponseTo !== s.pending.requestId)
      throw new SignInRejected(
        'unknown_request',
        `InResponseTo ${inResponseTo ?? 'absent'} is not the request of this RelayState`,
      );
    return;
  }
  if (inResponseTo)
    throw new SignInRejected(
      'unknown_request',
      `InResponseTo ${inResponseTo} is not a pending request (replayed or expired)`,
    );
  if (!settings(s).allowIdpInitiated)
    throw new SignInRejected(
      'unsolicited_response',
      'IdP-initiated sign-in is not enabled for this tenant',
      'Start signing in from the application.',
    );
}

async function checkVerifiedAssertion(s: AcsState): Promise<void> {
  const profile = need(s.profile, 'assertion');
  const idp = need(s.connection, 'assertion').idp.entityId;
  s.assertion = checkAssertion(profile.getAssertionXml?.() ?? '', acsUrl(s), idp, settings(s).allowSha1);
}

/** Each assertion is accepted once: cached until it expires (SAML profiles §4.1.4.5). */
async function preventReplay(s: AcsState): Promise<void> {
  const { id, notOnOrAfter } = need(s.assertion, 'replay');
  const skewMs = settings(s).clockSkewSeconds * 1000;
  const ttl = Math.max(
    60,
    Math.ceil(((notOnOrAfter ?? Date.now() + 3_600_000) + skewMs - Date.now()) / 1000),
  );
  const key = `sso:saml-assertion:${s.tenant.id}:${need(s.profile, 'replay').issuer}:${id}`;
  if (!(await s.deps.ephemeral.putIfAbsent(key, '1', ttl)))
    throw new SignInRejected('replayed_assertion', `assertion ${id} was already used`);
}

async function link(s: AcsState): Promise<void> {
  const profile = loginProfileOf(need(s.profile, 'link'), settings(s).attributeMapping);
  // A test sign-in has passed every check above; it shows the profile and signs no one in.
  if (s.pending?.test) {
    s.tested = profile;
    return;
  }
  s.account = await s.deps.signIn.link(s.audit, s.tenant, profile);
}

/** Single Logout needs the NameID and SessionIndex of this sign-in later (slo-session.ts). */
async function rememberSession(s: AcsState): Promise<void> {
  // A test sign-in starts no session, so there is nothing to log out of.
  if (s.pending?.test) return;
  const profile = need(s.profile, 'remember');
  const optional = (v: string | null | undefined): string | undefined => v ?? undefined;
  await rememberSamlSession(s.deps.ephemeral, s.tenant.id, need(s.account, 'remember').id, {
    nameId: profile.nameID,
    nameIdFormat: optional(profile.nameIDFormat),
    nameQualifier: optional(profile.nameQualifier),
    spNameQualifier: optional(profile.spNameQualifier),
    sessionIndex: optional(profile.sessionIndex),
  });
}

/** The assertion consumer, step by step; later steps see only verified data. */
export const ACS_STEPS = [
  loadPending,
  precheck,
  verifySignature,
  matchRequest,
  checkVerifiedAssertion,
  preventReplay,
  link,
  rememberSession,
] as const;

export async function runAcs(s: AcsState): Promise<{ account: Account; amr: string[] }> {
  for (const step of ACS_STEPS) await step(s);
  return { account: need(s.account, 'done'), amr: amrOf(need(s.assertion, 'done').authnContext) };
}

/** The same steps for a response that may answer a test sign-in (then `tested`, not `account`). */
export async function runAcsOrTest(
  s: AcsState,
): Promise<{ account: Account; amr: string[] } | { tested: LoginProfile; amr: string[] }> {
  for (const step of ACS_STEPS) await step(s);
  const amr = amrOf(need(s.assertion, 'done').authnContext);
  return s.tested ? { tested: s.tested, amr } : { account: need(s.account, 'done'), amr };
}
