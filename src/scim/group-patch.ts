import type { MemberChange } from '../directory/teams.ts';
import type { Filter } from '../storage/ports.ts';
import { badRequest } from './errors.ts';
import { translateFilter } from './filter.ts';
import { memberIds } from './group-resource.ts';
import { isObject } from './normalise.ts';
import type { PatchOp } from './patch.ts';
import { GROUP_RESOURCE } from './schema.ts';

export interface SplitPatch {
  readonly attributeOps: PatchOp[];
  readonly memberChanges: MemberChange[];
}

const isMembersKey = (key: string) => key.toLowerCase() === 'members';

/**
 * Separates membership from attribute operations (RFC 7644 §3.5.2): membership goes straight to
 * the membership records, in request order (Okta sends remove-then-add), never through a loaded
 * member list.
 */
export function splitGroupPatch(ops: readonly PatchOp[]): SplitPatch {
  const attributeOps: PatchOp[] = [];
  const memberChanges: MemberChange[] = [];
  for (const op of ops) {
    if (op.path === undefined) {
      const { members, rest } = takeMembers(op.value);
      if (members !== undefined)
        memberChanges.push({ op: op.op === 'add' ? 'add' : 'replace', accountIds: memberIds(members) });
      if (rest && Object.keys(rest).length > 0) attributeOps.push({ ...op, value: rest });
    } else if (/^members(\b|\[|\.|$)/i.test(op.path)) memberChanges.push(memberChange(op, op.path));
    else attributeOps.push(op);
  }
  return { attributeOps, memberChanges };
}

function takeMembers(value: unknown): { members: unknown; rest: Record<string, unknown> | undefined } {
  if (!isObject(value)) return { members: undefined, rest: undefined };
  const rest: Record<string, unknown> = {};
  let members: unknown;
  for (const [key, v] of Object.entries(value)) {
    if (isMembersKey(key)) members = v ?? [];
    else rest[key] = v;
  }
  return { members, rest };
}

function memberChange(op: PatchOp, path: string): MemberChange {
  if (isMembersKey(path)) {
    if (op.op === 'add') return { op: 'add', accountIds: memberIds(op.value) };
    if (op.op === 'replace') return { op: 'replace', accountIds: memberIds(op.value) };
    // Entra: remove with a value array and no filter; without a value, all members go (§3.5.2.2).
    return op.value === undefined || op.value === null
      ? { op: 'replace', accountIds: [] }
      : { op: 'remove', accountIds: memberIds(op.value) };
  }
  if (op.op !== 'remove' || !path.includes('[') || !path.endsWith(']'))
    throw badRequest(
      'invalidPath',
      `"${path}": use "members" to add or replace members, or remove "members[value eq \\"id\\"]"`,
    );
  return { op: 'remove', accountIds: filteredIds(translateFilter(GROUP_RESOURCE, path)) };
}

/** `members[value eq "a" or value eq "b"]` → ids; other member filters cannot name members. */
function filteredIds(filter: Filter): string[] {
  if (filter.kind === 'member') return [filter.accountId];
  if (filter.kind === 'or') return filter.filters.flatMap(filteredIds);
  throw badRequest(
    'invalidFilter',
    'a members filter in a path must be value eq "id" (or several joined by or)',
  );
}
