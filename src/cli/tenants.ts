import type { Tenant } from '../storage/ports.ts';
import { tenantView } from '../tenants/view.ts';
import type { Command, Output } from './command.ts';
import { optionalString, strings, table } from './command.ts';

const slugArg = ['slug'] as const;

function shown(tenant: Tenant, what: string): Output {
  return {
    json: tenantView(tenant),
    text: `${what} tenant ${tenant.slug} (${tenant.name}), id ${tenant.id}, status ${tenant.status}`,
  };
}

const create: Command = {
  name: 'tenant create',
  summary: 'Create a tenant.',
  details: 'The same service and checks as POST /admin/tenants.',
  args: slugArg,
  options: {
    name: { type: 'string', value: 'name', help: 'display name (default: the slug)' },
    domain: {
      type: 'string',
      value: 'domain',
      multiple: true,
      help: 'an email domain the tenant claims',
    },
  },
  async run({ args, values }, env) {
    const [slug] = args;
    const input = { slug, name: optionalString(values, 'name') ?? slug, domains: strings(values, 'domain') };
    const tenant = await env.withContainer((c) => c.tenants.create(env.audit, input));
    return shown(tenant, 'Created');
  },
};

const list: Command = {
  name: 'tenant list',
  summary: 'List every tenant.',
  async run(_input, env) {
    const tenants = await env.withContainer((c) => c.tenants.list());
    const rows = tenants.map((t) => [t.slug, t.status, t.name, t.domains.join(','), t.id]);
    return {
      json: { data: tenants.map(tenantView) },
      text:
        tenants.length === 0 ? 'No tenants.' : table([['SLUG', 'STATUS', 'NAME', 'DOMAINS', 'ID'], ...rows]),
    };
  },
};

function statusCommand(
  name: string,
  status: 'active' | 'disabled',
  summary: string,
  details: string,
  verb: string,
): Command {
  return {
    name,
    summary,
    details,
    args: slugArg,
    async run({ args }, env) {
      const [slug = ''] = args;
      const tenant = await env.withContainer((c) => c.tenants.update(env.audit, slug, { status }));
      return shown(tenant, verb);
    },
  };
}

const suspend = statusCommand(
  'tenant suspend',
  'disabled',
  'Suspend a tenant (status disabled).',
  'Its SCIM requests get 403, its people cannot sign in and their product tokens stop working.\nRunning servers notice within a second. Undo with `trustgate tenant resume`.',
  'Suspended',
);
const resume = statusCommand(
  'tenant resume',
  'active',
  'Resume a suspended tenant (status active).',
  'SCIM and sign-in are accepted again.',
  'Resumed',
);

export const TENANT_COMMANDS: readonly Command[] = [create, list, suspend, resume];
