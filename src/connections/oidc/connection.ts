import { z } from 'zod';
import type { JsonObject, Tenant } from '../../storage/ports.ts';

const domain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9.-]+$/i, 'a domain name such as acme.com')
  .transform((d) => d.toLowerCase());

/** Claim names to read from the ID token (and userinfo); the defaults are OIDC Core §5.1's. */
export const ClaimMappingSchema = z
  .object({
    email: z.string().min(1).max(100).optional(),
    givenName: z.string().min(1).max(100).optional(),
    familyName: z.string().min(1).max(100).optional(),
    displayName: z.string().min(1).max(100).optional(),
  })
  .strict();
export type ClaimMapping = z.output<typeof ClaimMappingSchema>;

/** `PUT /admin/tenants/{slug}/oidc`. */
export const PutOidcInput = z
  .object({
    issuer: z.string().min(1).max(2048),
    clientId: z.string().min(1).max(500),
    clientSecret: z.string().min(1).max(2000),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope token (RFC 6749 §3.3)'))
      .max(20)
      .optional(),
    claimMapping: ClaimMappingSchema.optional(),
    allowedEmailDomains: z.array(domain).max(100).optional(),
  })
  .strict();
export type PutOidc = z.output<typeof PutOidcInput>;

/** What we keep of the IdP's discovery document (OIDC Discovery §3). */
export interface OidcServer {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly userinfo_endpoint?: string | undefined;
  readonly jwks_uri: string;
  readonly id_token_signing_alg_values_supported?: string[] | undefined;
  readonly token_endpoint_auth_methods_supported?: string[] | undefined;
  readonly code_challenge_methods_supported?: string[] | undefined;
}

/** `tenant.connections.oidc`: the client registration at the tenant's IdP (secret sealed). */
export interface OidcConnection {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecretSealed: string;
  readonly scopes: string[];
  readonly claimMapping: ClaimMapping;
  readonly allowedEmailDomains: string[];
  readonly server: OidcServer;
  readonly updatedAt: string;
}

export const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

export const clientSecretContext = (tenant: Tenant): string => `tenant:${tenant.id}:oidc-client-secret`;

/** Our values for the IdP's app registration. */
export function rpValues(publicUrl: string, slug: string) {
  const base = `${publicUrl}/sso/${encodeURIComponent(slug)}/oidc`;
  return { redirectUri: `${base}/callback`, loginUrl: `${base}/login` };
}

export function oidcConnectionOf(tenant: Tenant): OidcConnection | undefined {
  const raw = tenant.connections.oidc;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  // Written only by this module's admin operations, so its shape is ours.
  return raw as unknown as OidcConnection;
}

export const connectionJson = (c: OidcConnection): JsonObject => c as unknown as JsonObject;
