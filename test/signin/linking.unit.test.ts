/**
 * Account linking (src/signin/linking.ts) over its narrow deps: reads from the fake store, a
 * recording directory and sign-in records. The order is docs/decisions/0025-account-linking-order.md.
 */
import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/audit/events.ts';
import type { AccountDraft, AccountService, SubjectLink } from '../../src/directory/accounts.ts';
import type { DirectoryScope } from '../../src/directory/scope.ts';
import { createAccountLinker } from '../../src/signin/linking.ts';
import type { AccountLinker, LoginProfile } from '../../src/signin/linking.ts';
import { SignInRejected } from '../../src/signin/rejection.ts';
import type { RejectionCode } from '../../src/signin/rejection.ts';
import type { Account, Tenant } from '../../src/storage/ports.ts';
import { makeAccount, makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from '../support/fake-storage.ts';
import type { FakeStorage } from '../support/fake-storage.ts';

const CONTEXT: AuditContext = { requestId: 'req-login', actor: null };
const ISSUER = 'https://idp.test/metadata';
const PROFILE: LoginProfile = {
  idp: 'saml',
  issuer: ISSUER,
  subject: 'alice',
  email: 'alice@acme.com',
  givenName: 'Alice',
  familyName: 'Example',
  displayName: 'Alice Example',
};
const SUBJECT_KEY = `saml|${ISSUER}|alice`;

const rejectedAs = (code: RejectionCode) => (err: unknown) =>
  err instanceof SignInRejected && err.code === code;

type DirectoryCall =
  | {
      readonly kind: 'create';
      readonly scope: DirectoryScope;
      readonly draft: AccountDraft;
      readonly via: string;
      readonly link: SubjectLink | undefined;
    }
  | {
      readonly kind: 'link';
      readonly scope: DirectoryScope;
      readonly account: Account;
      readonly link: SubjectLink;
    };

describe('account linking (unit)', () => {
  let storage: FakeStorage;
  let tenant: Tenant;
  let calls: DirectoryCall[];
  let recorded: [string, string][];
  let link: AccountLinker;

  const withJit = (jit: boolean) => ({ ...tenant, settings: { jit } });

  beforeEach(async () => {
    storage = createFakeStorage();
    tenant = makeTenant();
    await storage.tenants.insert(tenant);
    calls = [];
    recorded = [];
    const directory: Pick<AccountService, 'create' | 'link'> = {
      async create(scope, draft, via, subjectLink) {
        calls.push({ kind: 'create', scope, draft, via, link: subjectLink });
        return makeAccount(scope.tenantId, draft);
      },
      async link(scope, account, subjectLink) {
        calls.push({ kind: 'link', scope, account, link: subjectLink });
      },
    };
    link = createAccountLinker({
      accounts: storage.accounts,
      directory,
      signIns: { record: async (account, idp) => void recorded.push([account.id, idp]) },
    });
  });

  const insert = async (overrides: Partial<Account>) => {
    const account = makeAccount(tenant.id, overrides);
    await storage.accounts.insert(account);
    return account;
  };
  const expectedLink: SubjectLink = { key: SUBJECT_KEY, idp: 'saml', issuer: ISSUER, subject: 'alice' };

  it('first the recorded subject: that account, even when a userName matches another; no new link', async () => {
    const linked = await insert({ userName: 'someone-else' });
    await insert({ userName: 'alice' });
    await storage.accounts.link(tenant.id, SUBJECT_KEY, linked.id);
    const result = await link(CONTEXT, tenant, PROFILE);
    assert.equal(result.id, linked.id);
    assert.deepEqual(calls, []);
    assert.deepEqual(recorded, [[linked.id, 'saml']]);
  });

  it('then userName = NameID (before userName = email), and the subject is linked to it', async () => {
    const byNameId = await insert({ userName: 'ALICE' });
    await insert({ userName: 'alice@acme.com' });
    const result = await link(CONTEXT, tenant, PROFILE);
    assert.equal(result.id, byNameId.id);
    assert.deepEqual(calls, [
      { kind: 'link', scope: { tenantId: tenant.id, audit: CONTEXT }, account: byNameId, link: expectedLink },
    ]);
  });

  it('then userName = email', async () => {
    const byEmailName = await insert({ userName: 'Alice@Acme.com' });
    await insert({ userName: 'other', email: 'alice@acme.com' });
    assert.equal((await link(CONTEXT, tenant, PROFILE)).id, byEmailName.id);
    assert.equal(calls[0]?.kind, 'link');
  });

  it('then the one account whose email matches', async () => {
    const byEmail = await insert({ userName: 'a.example', email: 'ALICE@acme.com' });
    assert.equal((await link(CONTEXT, tenant, PROFILE)).id, byEmail.id);
    assert.deepEqual(
      calls.map((c) => [c.kind, c.link]),
      [['link', expectedLink]],
    );
  });

  it('two accounts with that email: ambiguous_account, nothing linked or created', async () => {
    await insert({ userName: 'a1', email: 'alice@acme.com' });
    await insert({ userName: 'a2', email: 'alice@acme.com' });
    await assert.rejects(link(CONTEXT, withJit(true), PROFILE), rejectedAs('ambiguous_account'));
    assert.deepEqual(calls, []);
    assert.deepEqual(recorded, []);
  });

  it('an inactive account: account_inactive, whichever way it was found', async () => {
    const inactive = await insert({ userName: 'alice', active: false });
    await assert.rejects(link(CONTEXT, tenant, PROFILE), rejectedAs('account_inactive'));
    await storage.accounts.link(tenant.id, SUBJECT_KEY, inactive.id);
    await assert.rejects(link(CONTEXT, tenant, PROFILE), rejectedAs('account_inactive'));
    assert.deepEqual(calls, []);
    assert.deepEqual(recorded, []);
  });

  it('no account and jit off (the default): not_provisioned', async () => {
    await assert.rejects(link(CONTEXT, tenant, PROFILE), rejectedAs('not_provisioned'));
    await assert.rejects(link(CONTEXT, withJit(false), PROFILE), rejectedAs('not_provisioned'));
    assert.deepEqual(calls, []);
  });

  it("no account and jit on: the directory creates it with 'jit' and the subject link, in one call", async () => {
    const result = await link(CONTEXT, withJit(true), PROFILE);
    assert.deepEqual(calls, [
      {
        kind: 'create',
        scope: { tenantId: tenant.id, audit: CONTEXT },
        draft: {
          userName: 'alice@acme.com',
          externalId: null,
          active: true,
          displayName: 'Alice Example',
          email: 'alice@acme.com',
          attributes: { name: { givenName: 'Alice', familyName: 'Example' } },
        },
        via: 'jit',
        link: expectedLink,
      },
    ]);
    assert.deepEqual(recorded, [[result.id, 'saml']]);
  });

  it('jit without an email: the NameID becomes the userName, no name attributes', async () => {
    await link(CONTEXT, withJit(true), { idp: 'oidc', issuer: ISSUER, subject: 'sub-123' });
    const [call] = calls;
    assert.equal(call?.kind, 'create');
    if (call?.kind !== 'create') return;
    assert.deepEqual(call.draft, {
      userName: 'sub-123',
      externalId: null,
      active: true,
      displayName: null,
      email: null,
      attributes: {},
    });
    assert.deepEqual(call.link, {
      key: `oidc|${ISSUER}|sub-123`,
      idp: 'oidc',
      issuer: ISSUER,
      subject: 'sub-123',
    });
  });
});
