import type { AuditRecorder, RecordEvent } from '../audit/record.ts';
import { BadRequest } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { AccountId, Stores, Team, TeamId } from '../storage/ports.ts';
import type { DirectoryScope } from './scope.ts';
import { now } from './scope.ts';

export type TeamDraft = Pick<Team, 'displayName' | 'externalId' | 'attributes'>;

/** One membership step; steps apply in order (Okta sends remove-then-add in one PATCH). */
export interface MemberChange {
  readonly op: 'add' | 'remove' | 'replace';
  readonly accountIds: readonly string[];
}

export interface TeamService {
  create(scope: DirectoryScope, draft: TeamDraft, memberIds: readonly string[]): Promise<Team>;
  /**
   * Applies an attribute change (`draft`, or null) and membership steps as one unit of work,
   * optimistic on `current.version`. Membership goes straight to the membership records: a
   * 256-member add to a 50,000-member team never loads the team's members.
   */
  change(
    scope: DirectoryScope,
    current: Team,
    draft: TeamDraft | null,
    changed: readonly string[],
    members: readonly MemberChange[],
  ): Promise<Team>;
  remove(scope: DirectoryScope, id: TeamId): Promise<boolean>;
}

// Audit events list member ids up to this many; larger changes record the count only.
const AUDIT_ID_LIMIT = 1000;

const MEMBER_EVENT = {
  add: 'team.member_added',
  remove: 'team.member_removed',
  replace: 'team.members_replaced',
} as const;

/** Fails with `invalid_members` (SCIM 400 invalidValue) unless every id is an account of this tenant. */
async function checkMembers(
  tx: Stores,
  scope: DirectoryScope,
  changes: readonly MemberChange[],
): Promise<void> {
  const wanted = new Set<string>();
  for (const change of changes)
    if (change.op !== 'remove') for (const id of change.accountIds) wanted.add(id);
  if (wanted.size === 0) return;
  const found = await tx.accounts.existing(scope.tenantId, [...wanted]);
  const missing = [...wanted].filter((id) => !found.has(id as AccountId));
  if (missing.length > 0)
    throw new BadRequest(`not accounts of this tenant: ${missing.slice(0, 5).join(', ')}`, 'invalid_members');
}

async function applyMembers(
  tx: Stores,
  record: RecordEvent,
  scope: DirectoryScope,
  teamId: TeamId,
  changes: readonly MemberChange[],
): Promise<void> {
  for (const change of changes) {
    const ids = [...new Set(change.accountIds)] as AccountId[];
    if (change.op === 'add') await tx.memberships.add(scope.tenantId, teamId, ids);
    else if (change.op === 'remove') await tx.memberships.remove(scope.tenantId, teamId, ids);
    else await tx.memberships.replace(scope.tenantId, teamId, ids);
    record({
      type: MEMBER_EVENT[change.op],
      tenantId: scope.tenantId,
      target: { type: 'team', id: teamId },
      data: ids.length <= AUDIT_ID_LIMIT ? { count: ids.length, accountIds: ids } : { count: ids.length },
    });
  }
}

/** Protocol-free team operations, each write with its audit events in one transaction. */
export function createTeamService(audit: AuditRecorder): TeamService {
  return {
    async create(scope, draft, memberIds) {
      const at = now();
      const team: Team = {
        tenantId: scope.tenantId,
        id: newId() as TeamId,
        ...draft,
        createdAt: at,
        updatedAt: at,
        version: 1,
      };
      await audit.change(scope.audit, async (tx, record) => {
        const members: MemberChange[] = memberIds.length ? [{ op: 'add', accountIds: memberIds }] : [];
        await checkMembers(tx, scope, members);
        await tx.teams.insert(team);
        record({
          type: 'team.created',
          tenantId: scope.tenantId,
          target: { type: 'team', id: team.id },
          data: {
            displayName: team.displayName,
            attributes: ['displayName', ...Object.keys(draft.attributes)],
          },
        });
        await applyMembers(tx, record, scope, team.id, members);
      });
      return team;
    },

    async change(scope, current, draft, changed, members) {
      return audit.change(scope.audit, async (tx, record) => {
        await checkMembers(tx, scope, members);
        // The version moves on every change, membership included, so ETags stay honest.
        const stored = await tx.teams.update(
          { ...current, ...(draft ?? {}), updatedAt: now() },
          current.version,
        );
        if (draft && changed.length > 0)
          record({
            type: 'team.updated',
            tenantId: scope.tenantId,
            target: { type: 'team', id: current.id },
            data: { attributes: [...changed] },
          });
        await applyMembers(tx, record, scope, current.id, members);
        return stored;
      });
    },

    async remove(scope, id) {
      return audit.change(scope.audit, async (tx, record) => {
        const gone = await tx.teams.remove(scope.tenantId, id);
        if (gone)
          record({ type: 'team.deleted', tenantId: scope.tenantId, target: { type: 'team', id }, data: {} });
        return gone;
      });
    },
  };
}
