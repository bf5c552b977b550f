import type { MigrationStatus } from '../storage/index.ts';
import type { Command } from './command.ts';
import { flag } from './command.ts';

function statusText(status: MigrationStatus): string {
  if (status.driver === 'mongo')
    return `MongoDB at ${status.location}: no versioned migrations; every start (and \`trustgate migrate\`) creates missing collections and indexes.`;
  const pending = status.pending.map((m) => `  ${m.version}  ${m.name}`);
  return [
    `SQLite ${status.location}: schema version ${status.version} of ${status.latest}.`,
    ...(pending.length > 0 ? ['Pending:', ...pending] : ['Up to date.']),
  ].join('\n');
}

const migrate: Command = {
  name: 'migrate',
  summary: 'Apply pending schema migrations (--status: only report).',
  details:
    'SQLite: each migration runs in one transaction with its version bump; take a backup first. MongoDB: creates missing collections and indexes (never drops one).',
  options: {
    status: { type: 'boolean', help: 'report the schema version and pending migrations, change nothing' },
  },
  async run({ values }, env) {
    const config = env.config();
    const { migrateStorage, storageMigrationStatus } = await import('../container.ts');
    if (flag(values, 'status')) {
      const status = storageMigrationStatus(config);
      return { json: status, text: statusText(status) };
    }
    const { before, after } = await migrateStorage(config);
    const applied = before.pending.filter((m) => !after.pending.some((p) => p.version === m.version));
    return {
      json: { ...after, applied },
      text: [
        applied.length > 0
          ? `Applied ${applied.map((m) => `${m.version} (${m.name})`).join(', ')}.`
          : 'Nothing to apply.',
        statusText(after),
      ].join('\n'),
    };
  },
};

export const MIGRATE_COMMANDS: readonly Command[] = [migrate];
