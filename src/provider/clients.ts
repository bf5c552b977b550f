import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ClientStore, JsonObject, OAuthClient } from '../storage/ports.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { NotFound } from '../platform/errors.ts';
import { parseInput } from '../platform/input.ts';
import type { AuditContext } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import { clientSecretContext } from './adapter.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

// RFC 8252 §7.3 / OAuth 2.0 Security BCP §4.1: exact https redirect URIs; http only on loopback.
// zod runs a refinement even when `z.url()` has already failed: parse defensively, or a value
// that is not a URL throws a TypeError here (a 500; found by schemathesis).
const RedirectUri = z.url().refine((value) => {
  const url = URL.parse(value);
  if (!url || url.hash) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}, 'an https URL without a fragment (http only for localhost)');

export const CreateClientInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    redirectUris: z.array(RedirectUri).min(1).max(20),
    postLogoutRedirectUris: z.array(RedirectUri).max(20).default([]),
    /** A public client (SPA, native app) has no secret and must use PKCE S256. */
    public: z.boolean().default(false),
  })
  .strict();

export interface ClientView {
  readonly clientId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly public: boolean;
  readonly createdAt: string;
}

function view(client: OAuthClient): ClientView {
  const uris = client.metadata.redirect_uris;
  return {
    clientId: client.clientId,
    name: client.name,
    redirectUris: Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : [],
    public: client.metadata.token_endpoint_auth_method === 'none',
    createdAt: client.createdAt,
  };
}

export interface ClientServiceDeps {
  readonly clients: ClientStore;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
}

/** Product apps registered with the OpenID Provider (`/admin/clients`), the operator's. */
export function createClientService(deps: ClientServiceDeps) {
  const { clients, audit, secrets } = deps;
  return {
    async create(
      context: AuditContext,
      input: unknown,
    ): Promise<{ view: ClientView; clientSecret: string | null }> {
      const data = parseInput(CreateClientInput, input);
      const clientId = `app_${randomBytes(12).toString('base64url')}`;
      const clientSecret = data.public ? null : randomBytes(32).toString('base64url');
      const metadata: JsonObject = {
        client_name: data.name,
        redirect_uris: data.redirectUris,
        post_logout_redirect_uris: data.postLogoutRedirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: data.public ? 'none' : 'client_secret_basic',
        ...(clientSecret
          ? { client_secret: secrets.encrypt(clientSecret, clientSecretContext(clientId)) }
          : {}),
      };
      const client: OAuthClient = {
        clientId,
        name: data.name,
        metadata,
        createdAt: new Date().toISOString(),
      };
      await audit.change(context, async (tx, record) => {
        await tx.clients.insert(client);
        record({
          type: 'client.created',
          tenantId: null,
          target: { type: 'client', id: clientId },
          data: { name: data.name, public: data.public },
        });
      });
      return { view: view(client), clientSecret };
    },
    list: async (): Promise<ClientView[]> => (await clients.list()).map(view),
    async get(clientId: string): Promise<ClientView> {
      const client = await clients.get(clientId);
      if (!client) throw new NotFound(`no client ${clientId}`, 'client_not_found');
      return view(client);
    },
    async remove(context: AuditContext, clientId: string): Promise<void> {
      await audit.change(context, async (tx, record) => {
        if (!(await tx.clients.remove(clientId)))
          throw new NotFound(`no client ${clientId}`, 'client_not_found');
        record({
          type: 'client.deleted',
          tenantId: null,
          target: { type: 'client', id: clientId },
          data: {},
        });
      });
    },
  };
}

export type ClientService = ReturnType<typeof createClientService>;
