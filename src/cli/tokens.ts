import type { TokenKind } from '../storage/ports.ts';
import type { Command } from './command.ts';
import { optionalString, table } from './command.ts';

const NAMES: Record<TokenKind, string> = { scim: 'SCIM', admin: 'tenant-admin' };

function tokenCommands(kind: TokenKind): Command[] {
  const group = `${kind}-token`;
  const what = NAMES[kind];
  const create: Command = {
    name: `${group} create`,
    summary: `Mint a ${what} token; it is printed once.`,
    details: 'Only its SHA-256 is stored: a lost token cannot be shown again, mint another.',
    args: ['slug'],
    options: { label: { type: 'string', value: 'label', help: 'what the token is for (shown in listings)' } },
    async run({ args, values }, env) {
      const [slug = ''] = args;
      const label = optionalString(values, 'label') ?? null;
      const { view, token } = await env.withContainer((c) =>
        c.tenants.mintToken(env.audit, slug, kind, label),
      );
      return {
        json: { ...view, tenant: slug, token },
        text: [
          `Created ${what} token ${view.id} for tenant ${slug}${label ? ` (${label})` : ''}.`,
          'The token is shown once; store it now:',
          token,
        ].join('\n'),
      };
    },
  };
  const list: Command = {
    name: `${group} list`,
    summary: `List a tenant's ${what} tokens (never the tokens).`,
    args: ['slug'],
    async run({ args }, env) {
      const [slug = ''] = args;
      const tokens = await env.withContainer((c) => c.tenants.listTokens(slug, kind));
      const rows = tokens.map((t) => [t.id, t.label ?? '', t.createdAt, t.lastUsedAt ?? 'never']);
      return {
        json: { data: tokens },
        text:
          tokens.length === 0
            ? `No ${what} tokens for tenant ${slug}.`
            : table([['ID', 'LABEL', 'CREATED', 'LAST USED'], ...rows]),
      };
    },
  };
  const revoke: Command = {
    name: `${group} revoke`,
    summary: `Revoke a ${what} token.`,
    details: 'Running servers refuse it within a second (their authentication cache).',
    args: ['slug', 'tokenId'],
    async run({ args }, env) {
      const [slug = '', id = ''] = args;
      await env.withContainer((c) => c.tenants.revokeToken(env.audit, slug, kind, id));
      return {
        json: { tenant: slug, id, revoked: true },
        text: `Revoked ${what} token ${id} of tenant ${slug}.`,
      };
    },
  };
  return [create, list, revoke];
}

export const TOKEN_COMMANDS: readonly Command[] = [...tokenCommands('scim'), ...tokenCommands('admin')];
