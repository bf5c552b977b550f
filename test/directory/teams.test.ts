import assert from 'node:assert/strict';
import type { AuditContext } from '../../src/audit/events.ts';
import { createAuditRecorder } from '../../src/audit/record.ts';
import { createTeamService } from '../../src/directory/teams.ts';
import type { TeamDraft, TeamService } from '../../src/directory/teams.ts';
import type { DirectoryScope } from '../../src/directory/scope.ts';
import { AppError } from '../../src/platform/errors.ts';
import type { Account, Team, TenantId } from '../../src/storage/ports.ts';
import { UniquenessConflict, VersionConflict } from '../../src/storage/ports.ts';
import { ids, insertAccounts, makeAccount, makeTenant } from '../storage/contract/helpers.ts';
import { createFakeStorage } from '../support/fake-storage.ts';
import type { FakeStorage } from '../support/fake-storage.ts';

const CONTEXT: AuditContext = { requestId: 'req-9', actor: { type: 'admin_token', id: 'tok-2' } };
const draft = (overrides: Partial<TeamDraft> = {}): TeamDraft => ({
  displayName: 'Engineering',
  externalId: null,
  attributes: {},
  ...overrides,
});

const invalidMembers = (err: unknown) =>
  err instanceof AppError && err.status === 400 && err.code === 'invalid_members';

describe('directory: teams', () => {
  let storage: FakeStorage;
  let tenantId: TenantId;
  let scope: DirectoryScope;
  let teams: TeamService;
  let people: Account[];

  beforeEach(async () => {
    storage = createFakeStorage();
    const tenant = makeTenant();
    await storage.tenants.insert(tenant);
    tenantId = tenant.id;
    scope = { tenantId, audit: CONTEXT };
    teams = createTeamService(createAuditRecorder(storage));
    people = await insertAccounts(storage, tenantId, 4);
  });

  const events = async () => storage.audit.list(tenantId, null, 100);
  const members = async (team: Team) =>
    (await storage.memberships.members(tenantId, team.id)).map((m) => m.accountId);
  const [p0, p1, p2, p3] = [0, 1, 2, 3].map((i) => () => people[i].id);

  describe('create', () => {
    it('stores the team with team.created, then team.member_added, in one unit', async () => {
      const commits = storage.commits;
      const team = await teams.create(scope, draft({ attributes: { 'urn:x:ext': { code: 1 } } }), [
        p0(),
        p1(),
      ]);
      assert.equal(storage.commits, commits + 1);
      assert.deepEqual(await storage.teams.get(tenantId, team.id), team);
      assert.deepEqual(await members(team), [p0(), p1()]);
      assert.deepEqual(
        (await events()).map((e) => [e.type, e.target, e.data, e.actor, e.requestId]),
        [
          [
            'team.created',
            { type: 'team', id: team.id },
            { displayName: 'Engineering', attributes: ['displayName', 'urn:x:ext'] },
            CONTEXT.actor,
            'req-9',
          ],
          [
            'team.member_added',
            { type: 'team', id: team.id },
            { count: 2, accountIds: [p0(), p1()] },
            CONTEXT.actor,
            'req-9',
          ],
        ],
      );
    });

    it('without members: team.created only', async () => {
      await teams.create(scope, draft(), []);
      assert.deepEqual(
        (await events()).map((e) => e.type),
        ['team.created'],
      );
    });

    it('refuses members that are not accounts of this tenant (invalid_members) and writes nothing', async () => {
      const other = makeTenant();
      await storage.tenants.insert(other);
      const stranger = makeAccount(other.id);
      await storage.accounts.insert(stranger);
      for (const unknown of ['no-such-account', stranger.id])
        await assert.rejects(teams.create(scope, draft(), [p0(), unknown]), invalidMembers);
      assert.equal(await storage.teams.getByDisplayName(tenantId, 'Engineering'), undefined);
      assert.deepEqual(await events(), []);
    });

    it('refuses a taken displayName (UniquenessConflict)', async () => {
      await teams.create(scope, draft(), []);
      await assert.rejects(
        teams.create(scope, draft({ displayName: 'ENGINEERING' }), [p0()]),
        (err) => err instanceof UniquenessConflict && err.field === 'displayName',
      );
      assert.equal((await events()).length, 1);
    });
  });

  describe('change', () => {
    let team: Team;
    beforeEach(async () => {
      team = await teams.create(scope, draft(), [p0(), p1()]);
    });
    const since = async (n: number) => (await events()).slice(n);

    it('applies member steps in order (remove then add), each with its event, and moves the version', async () => {
      const before = (await events()).length;
      const saved = await teams.change(
        scope,
        team,
        null,
        [],
        [
          { op: 'remove', accountIds: [p0()] },
          { op: 'add', accountIds: [p2(), p3(), p2()] },
        ],
      );
      assert.equal(saved.version, team.version + 1, 'a membership change moves the ETag too');
      assert.deepEqual(await members(team), [p1(), p2(), p3()]);
      assert.deepEqual(
        (await since(before)).map((e) => [e.type, e.data]),
        [
          ['team.member_removed', { count: 1, accountIds: [p0()] }],
          ['team.member_added', { count: 2, accountIds: [p2(), p3()] }],
        ],
      );
    });

    it('replace: the member set becomes exactly the ids, team.members_replaced', async () => {
      const before = (await events()).length;
      await teams.change(scope, team, null, [], [{ op: 'replace', accountIds: [p3()] }]);
      assert.deepEqual(await members(team), [p3()]);
      assert.deepEqual(
        (await since(before)).map((e) => [e.type, e.data]),
        [['team.members_replaced', { count: 1, accountIds: [p3()] }]],
      );
    });

    it('an attribute change records team.updated naming the attributes, before the member events', async () => {
      const before = (await events()).length;
      const saved = await teams.change(
        scope,
        team,
        draft({ displayName: 'Eng' }),
        ['displayName'],
        [{ op: 'add', accountIds: [p2()] }],
      );
      assert.equal(saved.displayName, 'Eng');
      assert.deepEqual(
        (await since(before)).map((e) => [e.type, e.data]),
        [
          ['team.updated', { attributes: ['displayName'] }],
          ['team.member_added', { count: 1, accountIds: [p2()] }],
        ],
      );
    });

    it('unknown ids in any add or replace step: invalid_members, and no step is written', async () => {
      const before = (await events()).length;
      for (const op of ['add', 'replace'] as const)
        await assert.rejects(
          teams.change(
            scope,
            team,
            draft({ displayName: 'Renamed' }),
            ['displayName'],
            [
              { op: 'remove', accountIds: [p0()] },
              { op, accountIds: [p2(), 'no-such-account'] },
            ],
          ),
          invalidMembers,
        );
      assert.deepEqual(await storage.teams.get(tenantId, team.id), team, 'same version, same name');
      assert.deepEqual(await members(team), [p0(), p1()]);
      assert.equal((await events()).length, before);
    });

    it('removing ids that are not accounts is not an error (nothing to check)', async () => {
      await teams.change(scope, team, null, [], [{ op: 'remove', accountIds: ['gone-already', p1()] }]);
      assert.deepEqual(await members(team), [p0()]);
    });

    it('a stale version: VersionConflict, nothing written', async () => {
      await teams.change(scope, team, null, [], [{ op: 'add', accountIds: [p2()] }]);
      const before = (await events()).length;
      await assert.rejects(
        teams.change(scope, team, null, [], [{ op: 'add', accountIds: [p3()] }]),
        VersionConflict,
      );
      assert.deepEqual(await members(team), [p0(), p1(), p2()]);
      assert.equal((await events()).length, before);
    });
  });

  describe('member events list ids up to the limit', () => {
    it('1,000 ids are listed; 1,001 record the count only', async () => {
      const many = ids(await insertAccounts(storage, tenantId, 1001, (i) => `bulk${i}`));
      const team = await teams.create(scope, draft(), []);
      const saved = await teams.change(
        scope,
        team,
        null,
        [],
        [{ op: 'add', accountIds: many.slice(0, 1000) }],
      );
      await teams.change(scope, saved, null, [], [{ op: 'replace', accountIds: many }]);
      const [added, replaced] = (await events()).slice(-2);
      assert.equal(added?.type, 'team.member_added');
      assert.deepEqual(added?.data, { count: 1000, accountIds: many.slice(0, 1000) });
      assert.equal(replaced?.type, 'team.members_replaced');
      assert.deepEqual(replaced?.data, { count: 1001 });
      assert.equal(await storage.memberships.count(tenantId, team.id), 1001);
    });
  });

  describe('remove', () => {
    it('team.deleted; an unknown id is false with no event', async () => {
      const team = await teams.create(scope, draft(), [p0()]);
      assert.equal(await teams.remove(scope, team.id), true);
      assert.equal(await storage.teams.get(tenantId, team.id), undefined);
      assert.equal(await storage.memberships.count(tenantId, team.id), 0);
      const before = (await events()).length;
      assert.equal((await events()).at(-1)?.type, 'team.deleted');
      assert.equal(await teams.remove(scope, team.id), false);
      assert.equal((await events()).length, before);
    });
  });
});
