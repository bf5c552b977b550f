import type { TenantId } from '../ports.ts';
import { sequenceKey } from './event-queries.ts';
import type { Models } from './schemas.ts';

/** Audit types renamed for the product-facing event names (docs/decisions/0060-events-outbox.md). */
export const RENAMED_TYPES: Readonly<Record<string, string>> = {
  'account.provisioned': 'account.created',
  'team.members_added': 'team.member_added',
  'team.members_removed': 'team.member_removed',
  'sso.login_succeeded': 'session.started',
};

const DEFAULT_RETENTION_MS = 30 * 86_400_000;

/**
 * Brings audit events written before the event stream up to it, at start-up and before the
 * indexes are built (the unique `{tenantId, seq}` index needs every event numbered): renames
 * their types, and numbers them per scope in id order (UUIDv7: append order) with an expiry 30
 * days after they happened. Idempotent: only events without a `seq` are numbered, each once
 * (the update is conditional), so instances starting side by side at worst leave gaps.
 */
export async function migrateEventStream(models: Models): Promise<void> {
  const { audit, sequences } = models;
  for (const [from, to] of Object.entries(RENAMED_TYPES))
    await audit.updateMany({ type: from }, { $set: { type: to } });
  const old = audit
    .find({ seq: { $exists: false } })
    .sort({ tenantId: 1, _id: 1 })
    .select({ _id: 1, tenantId: 1, at: 1 })
    .lean()
    .cursor();
  for await (const doc of old) {
    const { _id, tenantId, at } = doc as unknown as { _id: string; tenantId: TenantId | null; at: string };
    const counter = (await sequences
      .findOneAndUpdate(
        { _id: sequenceKey(tenantId) },
        { $inc: { seq: 1 } },
        { upsert: true, returnDocument: 'after' },
      )
      .lean()) as unknown as { seq: number } | null;
    if (!counter) continue;
    const expiresAt = new Date(Date.parse(at) + DEFAULT_RETENTION_MS);
    await audit.updateOne({ _id, seq: { $exists: false } }, { $set: { seq: counter.seq, expiresAt } });
  }
}
