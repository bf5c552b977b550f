import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/audit/events.ts';
import { createAuditRecorder } from '../../src/audit/record.ts';
import { createAccountService } from '../../src/directory/accounts.ts';
import type {
  AccountDraft,
  AccountRevoker,
  AccountService,
  SubjectLink,
} from '../../src/directory/accounts.ts';
import type { DirectoryScope } from '../../src/directory/scope.ts';
import type { Account, AccountId, TenantId } from '../../src/storage/ports.ts';
import { UniquenessConflict, VersionConflict } from '../../src/storage/ports.ts';
import { makeAccount, makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from '../support/fake-storage.ts';
import type { FakeStorage } from '../support/fake-storage.ts';

const CONTEXT: AuditContext = { requestId: 'req-7', actor: { type: 'scim_token', id: 'tok-1' } };

const draft = (overrides: Partial<AccountDraft> = {}): AccountDraft => ({
  userName: 'alice@acme.com',
  externalId: 'ext-1',
  active: true,
  displayName: 'Alice',
  email: 'alice@acme.com',
  attributes: { name: { givenName: 'Alice' }, title: 'Engineer' },
  ...overrides,
});

const LINK: SubjectLink = {
  key: 'saml|https://idp.test|alice@acme.com',
  idp: 'saml',
  issuer: 'https://idp.test',
  subject: 'alice@acme.com',
};

/** What the store held when the revoker was called. */
interface Revocation {
  readonly accountId: AccountId;
  readonly inTransaction: boolean;
  readonly stored: Account | undefined;
  readonly events: readonly string[];
}

describe('directory: accounts', () => {
  let storage: FakeStorage;
  let tenantId: TenantId;
  let scope: DirectoryScope;
  let revoked: Revocation[];
  let accounts: AccountService;

  beforeEach(async () => {
    storage = createFakeStorage();
    const tenant = makeTenant();
    await storage.tenants.insert(tenant);
    tenantId = tenant.id;
    scope = { tenantId, audit: CONTEXT };
    revoked = [];
    const revoker: AccountRevoker = {
      async revokeAccount(t, accountId) {
        revoked.push({
          accountId,
          inTransaction: storage.inTransaction,
          stored: await storage.accounts.get(t, accountId),
          events: (await storage.audit.list(t, null, 100)).map((e) => e.type),
        });
      },
    };
    accounts = createAccountService(createAuditRecorder(storage), revoker);
  });

  const events = async () => storage.audit.list(tenantId, null, 100);

  describe('create', () => {
    it('stores the account (version 1) with account.created naming the attributes given', async () => {
      const account = await accounts.create(scope, draft(), 'scim');
      assert.deepEqual(await storage.accounts.get(tenantId, account.id), account);
      assert.equal(account.version, 1);
      const [event, ...rest] = await events();
      assert.deepEqual(rest, []);
      assert.equal(event?.type, 'account.created');
      assert.deepEqual(event?.target, { type: 'account', id: account.id });
      assert.deepEqual(event?.data, {
        via: 'scim',
        userName: 'alice@acme.com',
        attributes: ['userName', 'active', 'externalId', 'displayName', 'name', 'title'],
      });
      assert.deepEqual(event?.actor, CONTEXT.actor);
      assert.equal(event?.requestId, 'req-7');
    });

    it('leaves externalId and displayName out of the event when not given', async () => {
      await accounts.create(scope, draft({ externalId: null, displayName: null, attributes: {} }), 'scim');
      assert.deepEqual((await events())[0]?.data.attributes, ['userName', 'active']);
    });

    it('refuses a taken userName (any case) and records nothing', async () => {
      await accounts.create(scope, draft(), 'scim');
      await assert.rejects(
        accounts.create(scope, draft({ userName: 'ALICE@acme.com' }), 'scim'),
        (err) => err instanceof UniquenessConflict && err.field === 'userName',
      );
      assert.equal((await events()).length, 1);
    });

    it('just in time with a subject link: account.created and account.linked in one unit', async () => {
      const commits = storage.commits;
      const account = await accounts.create(scope, draft(), 'jit', LINK);
      assert.equal(storage.commits, commits + 1, 'one unit of work');
      assert.deepEqual(await storage.accounts.findBySubject(tenantId, LINK.key), account);
      assert.deepEqual(
        (await events()).map((e) => [e.type, e.target?.id, e.data]),
        [
          [
            'account.created',
            account.id,
            {
              via: 'jit',
              userName: 'alice@acme.com',
              attributes: ['userName', 'active', 'externalId', 'displayName', 'name', 'title'],
            },
          ],
          [
            'account.linked',
            account.id,
            { idp: 'saml', issuer: 'https://idp.test', subject: 'alice@acme.com' },
          ],
        ],
      );
    });

    it('just in time: a link that fails takes the new account and both events with it', async () => {
      const other = makeAccount(tenantId, { userName: 'other' });
      await storage.accounts.insert(other);
      await storage.accounts.link(tenantId, LINK.key, other.id);
      await assert.rejects(accounts.create(scope, draft(), 'jit', LINK), UniquenessConflict);
      assert.equal(await storage.accounts.getByUserName(tenantId, 'alice@acme.com'), undefined);
      assert.deepEqual(await events(), []);
    });
  });

  describe('update', () => {
    let alice: Account;
    beforeEach(async () => {
      alice = await accounts.create(scope, draft(), 'scim');
    });
    const latest = async () => (await events()).at(-1);

    it('stores the draft optimistically (version + 1) with account.updated naming what changed', async () => {
      const saved = await accounts.update(scope, alice, draft({ displayName: 'Alice E.' }), ['displayName']);
      assert.equal(saved.version, 2);
      assert.equal(saved.displayName, 'Alice E.');
      assert.deepEqual(await storage.accounts.get(tenantId, alice.id), saved);
      const event = await latest();
      assert.equal(event?.type, 'account.updated');
      assert.deepEqual(event?.data, { attributes: ['displayName'] });
      assert.deepEqual(revoked, [], 'only a deactivation ends sessions');
    });

    it('deactivation: account.deactivated, and the revoker runs once, after the commit', async () => {
      await accounts.update(scope, alice, draft({ active: false }), ['active']);
      assert.equal((await latest())?.type, 'account.deactivated');
      assert.equal(revoked.length, 1);
      const [call] = revoked;
      assert.equal(call?.accountId, alice.id);
      assert.equal(call?.inTransaction, false, 'not inside the unit of work');
      assert.equal(call?.stored?.active, false, 'the deactivation is already stored');
      assert.equal(call?.events.at(-1), 'account.deactivated', 'and its event');
    });

    it('a deactivation that loses the race (VersionConflict) revokes nothing and records nothing', async () => {
      await accounts.update(scope, alice, draft({ displayName: 'moved on' }), ['displayName']);
      await assert.rejects(
        accounts.update(scope, alice, draft({ active: false }), ['active']),
        VersionConflict,
      );
      assert.deepEqual(revoked, []);
      assert.equal((await storage.accounts.get(tenantId, alice.id))?.active, true);
      assert.notEqual((await latest())?.type, 'account.deactivated');
    });

    it('a deactivation whose write fails (userName taken) revokes nothing', async () => {
      await accounts.create(scope, draft({ userName: 'bob@acme.com' }), 'scim');
      await assert.rejects(
        accounts.update(scope, alice, draft({ userName: 'bob@acme.com', active: false }), [
          'active',
          'userName',
        ]),
        UniquenessConflict,
      );
      assert.deepEqual(revoked, []);
    });

    it('reactivation: account.reactivated, no revocation', async () => {
      const inactive = await accounts.update(scope, alice, draft({ active: false }), ['active']);
      revoked = [];
      await accounts.update(scope, inactive, draft({ active: true }), ['active']);
      assert.equal((await latest())?.type, 'account.reactivated');
      assert.deepEqual(revoked, []);
    });
  });

  describe('remove and link', () => {
    it('remove: account.deleted, then the revoker, after the commit', async () => {
      const alice = await accounts.create(scope, draft(), 'scim');
      assert.equal(await accounts.remove(scope, alice.id), true);
      assert.equal(await storage.accounts.get(tenantId, alice.id), undefined);
      const event = (await events()).at(-1);
      assert.deepEqual(
        [event?.type, event?.target, event?.data],
        ['account.deleted', { type: 'account', id: alice.id }, {}],
      );
      assert.deepEqual(
        revoked.map((r) => [r.accountId, r.inTransaction, r.stored]),
        [[alice.id, false, undefined]],
      );
    });

    it('remove of an unknown id: false, no event, no revocation', async () => {
      assert.equal(await accounts.remove(scope, 'nobody' as AccountId), false);
      assert.deepEqual(await events(), []);
      assert.deepEqual(revoked, []);
    });

    it('link: binds the subject to an existing account with account.linked', async () => {
      const alice = await accounts.create(scope, draft(), 'scim');
      await accounts.link(scope, alice, LINK);
      assert.equal((await storage.accounts.findBySubject(tenantId, LINK.key))?.id, alice.id);
      const event = (await events()).at(-1);
      assert.equal(event?.type, 'account.linked');
      assert.deepEqual(event?.data, { idp: 'saml', issuer: 'https://idp.test', subject: 'alice@acme.com' });
    });
  });
});
