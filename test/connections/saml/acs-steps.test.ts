/**
 * The ACS steps (src/connections/saml/acs.ts) on real signed responses, without HTTP: fake
 * pending requests, the fake store's replay cache and a fake `signIn.link`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AuditContext } from '../../../src/audit/events.ts';
import { ACS_STEPS, runAcs } from '../../../src/connections/saml/acs.ts';
import type { AcsDeps, AcsState } from '../../../src/connections/saml/acs.ts';
import { connectionJson, spKeyContext } from '../../../src/connections/saml/connection.ts';
import type { SamlConnection } from '../../../src/connections/saml/connection.ts';
import { parseIdpMetadata } from '../../../src/connections/saml/metadata.ts';
import { createSecretBox } from '../../../src/platform/secrets.ts';
import type { LoginProfile } from '../../../src/signin/linking.ts';
import type { PendingRequest } from '../../../src/signin/login-state.ts';
import { SignInRejected } from '../../../src/signin/rejection.ts';
import type { RejectionCode } from '../../../src/signin/rejection.ts';
import type { Account, JsonObject, Tenant } from '../../../src/storage/ports.ts';
import { makeAccount, makeTenant } from '../../storage/contract/helpers.ts';
import { createFakeStorage } from '../../support/fake-storage.ts';
import type { FakeStorage } from '../../support/fake-storage.ts';
import { IDP_ENTITY, opensslKeyPair, samlIdp } from '../../signin/support.ts';
import type { KeyPair } from '../../signin/support.ts';
import { samlResponse } from './saml-response.ts';
import type { ResponseValues } from './saml-response.ts';

// samlResponse addresses tenant `acme` under `base`; it reads nothing else of the harness.
const PUBLIC_URL = 'https://gw.test';
const AT_BASE = { base: PUBLIC_URL };
const CONTEXT: AuditContext = { requestId: 'req-acs', actor: null };
const REQUEST_ID = '_request-1';

const rejectedAs = (code: RejectionCode) => (err: unknown) => {
  assert.ok(err instanceof SignInRejected, `a SignInRejected, not ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return true;
};

describe('SAML ACS steps (fake deps, real signed responses)', function () {
  this.timeout(10000);
  let idpKeys: KeyPair;
  let idp: ReturnType<typeof samlIdp>;
  let idpSettings: SamlConnection['idp'];
  const secrets = createSecretBox(randomBytes(32));

  before(() => {
    idpKeys = opensslKeyPair();
    idp = samlIdp(idpKeys);
    idpSettings = parseIdpMetadata(idp.getMetadata());
  });

  let storage: FakeStorage;
  let tenant: Tenant;
  let pending: Map<string, PendingRequest>;
  let consumed: string[];
  let linked: LoginProfile[];
  let account: Account;

  const tenantWith = (overrides: Partial<Tenant> = {}): Tenant => {
    const base = makeTenant({ slug: 'acme', ...overrides });
    const connection: SamlConnection = {
      idp: idpSettings,
      options: { signAuthnRequests: false },
      source: { kind: 'xml' },
      // The SP key only decrypts assertions and none here is encrypted: the IdP's pair stands in
      // (one RSA key generation fewer).
      sp: { privateKeySealed: secrets.encrypt(idpKeys.key, spKeyContext(base)), certificate: idpKeys.cert },
      updatedAt: new Date().toISOString(),
    };
    return { ...base, connections: { saml: connectionJson(connection) }, ...overrides };
  };

  beforeEach(() => {
    storage = createFakeStorage();
    tenant = tenantWith();
    pending = new Map();
    consumed = [];
    linked = [];
    account = makeAccount(tenant.id, { userName: 'alice@acme.com' });
  });

  const deps = (): AcsDeps => ({
    publicUrl: PUBLIC_URL,
    secrets,
    ephemeral: storage.ephemeral,
    signIn: {
      // Once, as login-state.ts consumes a RelayState.
      async consumePending(relayState) {
        consumed.push(relayState);
        const found = pending.get(relayState);
        pending.delete(relayState);
        return found;
      },
      async link(context, t, profile) {
        assert.deepEqual(context, CONTEXT);
        assert.equal(t.id, tenant.id);
        linked.push(profile);
        return account;
      },
    },
  });

  const stateFor = (samlResponseB64: string, relayState: string, t = tenant): AcsState => ({
    deps: deps(),
    audit: CONTEXT,
    tenant: t,
    samlResponse: samlResponseB64,
    relayState,
  });

  const respond = (values: ResponseValues = {}) =>
    samlResponse(AT_BASE, idp, { inResponseTo: REQUEST_ID, ...values });

  it('a valid response to our pending request links the account through signIn.link', async () => {
    pending.set('relay-1', { tenantId: tenant.id, requestId: REQUEST_ID, uid: null });
    const result = await runAcs(stateFor(await respond(), 'relay-1'));
    assert.equal(result.account, account);
    assert.deepEqual(result.amr, ['pwd'], 'PasswordProtectedTransport');
    assert.deepEqual(consumed, ['relay-1']);
    assert.deepEqual(linked, [
      {
        idp: 'saml',
        issuer: IDP_ENTITY,
        subject: 'alice@acme.com',
        email: 'alice@acme.com',
        givenName: 'Alice',
        familyName: 'Example',
        displayName: undefined,
      },
    ]);
  });

  it('runs its steps in order, each adding what later steps read', async () => {
    pending.set('relay-1', { tenantId: tenant.id, requestId: REQUEST_ID, uid: 'uid-1' });
    const s = stateFor(await respond(), 'relay-1');
    const defined = () => Object.keys(s).filter((k) => (s as unknown as JsonObject)[k] !== undefined);
    const added: [string, string[]][] = [];
    for (const step of ACS_STEPS) {
      const before = defined();
      await step(s);
      added.push([step.name, defined().filter((k) => !before.includes(k))]);
    }
    assert.deepEqual(added, [
      ['loadPending', ['connection', 'pending']],
      ['precheck', ['xml', 'facts']],
      ['verifySignature', ['profile']],
      ['matchRequest', []],
      ['checkVerifiedAssertion', ['assertion']],
      ['preventReplay', []],
      ['link', ['account']],
      ['rememberSession', []],
    ]);
    assert.deepEqual(s.pending, { tenantId: tenant.id, requestId: REQUEST_ID, uid: 'uid-1' });
    assert.deepEqual(s.facts, { inResponseTo: REQUEST_ID });
    assert.equal(s.profile?.nameID, 'alice@acme.com');
    assert.equal(s.account, account);
  });

  it('refuses the same assertion twice (replayed_assertion), linking only once', async () => {
    // Two RelayStates naming one request isolate the replay cache from the pending-request check.
    pending.set('relay-1', { tenantId: tenant.id, requestId: REQUEST_ID, uid: null });
    pending.set('relay-2', { tenantId: tenant.id, requestId: REQUEST_ID, uid: null });
    const response = await respond();
    await runAcs(stateFor(response, 'relay-1'));
    await assert.rejects(runAcs(stateFor(response, 'relay-2')), rejectedAs('replayed_assertion'));
    assert.equal(linked.length, 1);
    const cached = await storage.ephemeral.keys(`sso:saml-assertion:${tenant.id}:`);
    assert.equal(cached.length, 1, 'one assertion id in the replay cache');
  });

  it('an InResponseTo that is not the pending request: unknown_request, the RelayState still consumed', async () => {
    pending.set('relay-1', { tenantId: tenant.id, requestId: REQUEST_ID, uid: null });
    await assert.rejects(
      runAcs(stateFor(await respond({ inResponseTo: '_someone-elses' }), 'relay-1')),
      rejectedAs('unknown_request'),
    );
    assert.deepEqual(linked, []);
    assert.equal(pending.size, 0, 'a failed attempt ends the pending request');
  });

  it('an InResponseTo without a pending request (replayed or expired): unknown_request', async () => {
    await assert.rejects(runAcs(stateFor(await respond(), 'relay-unknown')), rejectedAs('unknown_request'));
    assert.deepEqual(linked, []);
  });

  it('a pending request of another tenant: unknown_request, before the response is read', async () => {
    const other = makeTenant();
    pending.set('relay-1', { tenantId: other.id, requestId: REQUEST_ID, uid: null });
    const s = stateFor(await respond(), 'relay-1');
    await assert.rejects(runAcs(s), rejectedAs('unknown_request'));
    assert.equal(s.xml, undefined, 'refused at loadPending');
    assert.deepEqual(linked, []);
  });

  it('a tenant without a SAML connection: no_connection, nothing consumed', async () => {
    const bare = makeTenant({ slug: 'acme' });
    pending.set('relay-1', { tenantId: bare.id, requestId: REQUEST_ID, uid: null });
    await assert.rejects(runAcs(stateFor(await respond(), 'relay-1', bare)), rejectedAs('no_connection'));
    assert.deepEqual(consumed, []);
    assert.deepEqual(linked, []);
  });

  it('an unsolicited response while IdP-initiated sign-in is off: unsolicited_response', async () => {
    await assert.rejects(
      runAcs(stateFor(await respond({ inResponseTo: null }), '')),
      rejectedAs('unsolicited_response'),
    );
    assert.deepEqual(consumed, [], 'no RelayState, nothing to consume');
  });

  it('an unsolicited response with IdP-initiated sign-in on is accepted once', async () => {
    tenant = tenantWith({ settings: { allowIdpInitiated: true } });
    const response = await respond({ inResponseTo: null });
    assert.equal((await runAcs(stateFor(response, ''))).account, account);
    await assert.rejects(runAcs(stateFor(response, '')), rejectedAs('replayed_assertion'));
  });
});
