import type { Command } from './command.ts';
import { flag, optionalString, strings, table } from './command.ts';

const create: Command = {
  name: 'client create',
  summary: 'Register a product app (OIDC client); its secret is printed once.',
  details: 'The same service and checks as POST /admin/clients.',
  options: {
    name: { type: 'string', value: 'name', required: true, help: 'the app’s name' },
    'redirect-uri': {
      type: 'string',
      value: 'url',
      multiple: true,
      required: true,
      help: 'an exact https redirect URI (http only for localhost); at least one',
    },
    'post-logout-redirect-uri': { type: 'string', value: 'url', multiple: true, help: 'after sign-out' },
    public: { type: 'boolean', help: 'a public client (SPA, native app): no secret, PKCE S256' },
  },
  async run({ values }, env) {
    const input = {
      name: optionalString(values, 'name'),
      redirectUris: strings(values, 'redirect-uri'),
      postLogoutRedirectUris: strings(values, 'post-logout-redirect-uri'),
      public: flag(values, 'public'),
    };
    const { view, clientSecret } = await env.withContainer((c) => c.clients.create(env.audit, input));
    return {
      json: { ...view, clientSecret },
      text: [
        `Created client ${view.clientId} (${view.name}).`,
        ...(clientSecret
          ? ['The client secret is shown once; store it now:', clientSecret]
          : ['Public client: no secret.']),
      ].join('\n'),
    };
  },
};

const list: Command = {
  name: 'client list',
  summary: 'List product apps (never their secrets).',
  async run(_input, env) {
    const clients = await env.withContainer((c) => c.clients.list());
    const rows = clients.map((c) => [
      c.clientId,
      c.name,
      c.public ? 'public' : 'confidential',
      c.redirectUris.join(' '),
    ]);
    return {
      json: { data: clients },
      text:
        clients.length === 0
          ? 'No clients.'
          : table([['CLIENT ID', 'NAME', 'TYPE', 'REDIRECT URIS'], ...rows]),
    };
  },
};

export const CLIENT_COMMANDS: readonly Command[] = [create, list];
