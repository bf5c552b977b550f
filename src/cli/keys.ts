import type { SigningKeyView } from '../keys/service.ts';
import type { ResealReport } from '../keys/reseal.ts';
import type { Command } from './command.ts';
import { UsageError, flag, optionalString, table } from './command.ts';

const keyTable = (keys: readonly SigningKeyView[]): string =>
  table([['KID', 'ROLE'], ...keys.map((k) => [k.kid, k.signs ? 'signs' : 'published'])]);

const list: Command = {
  name: 'keys list',
  summary: 'Show the signing keys and the current master key id.',
  async run(_input, env) {
    const { keys, masterKeyId } = await env.withContainer(async (c) => ({
      keys: await c.keys.signingKeys(),
      masterKeyId: c.keys.masterKeyId,
    }));
    return {
      json: { masterKeyId, signingKeys: keys },
      text: `Master key id: ${masterKeyId}\n\nSigning keys:\n${keyTable(keys)}`,
    };
  },
};

function resealText(report: ResealReport): string {
  const rows = Object.entries(report.kinds).map(([kind, n]) => [
    kind,
    String(n.checked),
    String(n.stale),
    String(n.resealed),
  ]);
  const lines = [
    `${report.dryRun ? 'Dry run: nothing written. ' : ''}Current master key id: ${report.keyId}`,
    '',
    table([['SECRET', 'FOUND', 'UNDER AN OLDER KEY', 'RE-ENCRYPTED'], ...rows]),
  ];
  if (report.failures.length > 0) {
    lines.push('', 'Could not decrypt (left unchanged; is the old key in TRUSTGATE_PREVIOUS_MASTER_KEYS?):');
    for (const f of report.failures) lines.push(`  ${f.kind} ${f.target}: ${f.reason}`);
  }
  return lines.join('\n');
}

/** Refused after the work is reported: some secret did not open. */
export class ResealIncomplete extends Error {
  readonly output: { json: unknown; text: string };
  constructor(output: { json: unknown; text: string }) {
    super('some secrets could not be decrypted with the configured master keys');
    this.name = 'ResealIncomplete';
    this.output = output;
  }
}

const rotate: Command = {
  name: 'keys rotate',
  summary: 'Rotate the provider signing key (--signing) or the master key (--master).',
  details: [
    '--signing            step 1: add a new signing key, published in /oauth/jwks but not signing yet.',
    '                     Restart every instance, wait longer than relying parties cache the JWKS',
    '                     (an hour is safe), then:',
    '--signing --promote <kid>',
    '                     step 2: the key signs from each instance’s next start; keys beyond the',
    '                     two newest are retired. Restart every instance.',
    '--master [--dry-run] re-encrypt every secret sealed under an older master key with the current',
    '                     one. The keys come from the configuration, never from arguments: the new',
    '                     key in TRUSTGATE_MASTER_KEY, the old one in TRUSTGATE_PREVIOUS_MASTER_KEYS.',
    '                     Safe to interrupt and run again; a second run re-encrypts nothing.',
    '                     Exit 1 when a secret does not open with any configured key.',
  ].join('\n'),
  options: {
    signing: { type: 'boolean', help: 'rotate the provider signing key' },
    promote: {
      type: 'string',
      value: 'kid',
      help: 'with --signing: make this published key the signing key',
    },
    master: { type: 'boolean', help: 're-encrypt secrets under the current master key' },
    'dry-run': { type: 'boolean', help: 'with --master: count what would be re-encrypted, write nothing' },
  },
  async run({ values }, env) {
    const signing = flag(values, 'signing');
    const master = flag(values, 'master');
    const promote = optionalString(values, 'promote');
    if (signing === master) throw new UsageError('give exactly one of --signing and --master', 'keys rotate');
    if (promote !== undefined && !signing)
      throw new UsageError('--promote goes with --signing', 'keys rotate');
    if (flag(values, 'dry-run') && !master)
      throw new UsageError('--dry-run goes with --master', 'keys rotate');

    if (master) {
      const report = await env.withContainer((c) =>
        c.keys.resealSecrets(env.audit, { dryRun: flag(values, 'dry-run') }),
      );
      const output = { json: report, text: resealText(report) };
      if (report.failures.length > 0) throw new ResealIncomplete(output);
      return output;
    }
    if (promote !== undefined) {
      const result = await env.withContainer((c) => c.keys.promoteSigningKey(env.audit, promote));
      return {
        json: { step: 'promoted', ...result },
        text: [
          `Key ${result.kid} signs from each instance's next start: restart every instance.`,
          ...(result.retired.length > 0 ? [`Retired: ${result.retired.join(', ')}`] : []),
          '',
          keyTable(result.keys),
        ].join('\n'),
      };
    }
    const result = await env.withContainer((c) => c.keys.addSigningKey(env.audit));
    return {
      json: { step: 'added', ...result },
      text: [
        `Added signing key ${result.kid} (published, not signing yet).`,
        'Restart every instance, wait longer than relying parties cache the JWKS (an hour is safe), then:',
        `  trustgate keys rotate --signing --promote ${result.kid}`,
        '',
        keyTable(result.keys),
      ].join('\n'),
    };
  },
};

export const KEY_COMMANDS: readonly Command[] = [list, rotate];
