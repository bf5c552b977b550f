import { z } from 'zod';
import type { JsonObject, Tenant } from '../../storage/ports.ts';
import type { IdpSettings } from './metadata.ts';

/** Per-connection options an admin may set with the metadata (`PUT …/saml {options}`). */
export const SamlOptionsSchema = z
  .object({
    /** Sign our AuthnRequests with the tenant's SP key (the IdP must then have our certificate). */
    signAuthnRequests: z.boolean().default(false),
    /** NameIDFormat to ask for; default: the IdP's first, else unspecified. */
    nameIdFormat: z.string().min(1).max(200).optional(),
  })
  .strict();
export type SamlOptions = z.output<typeof SamlOptionsSchema>;

/** `tenant.connections.saml`: the IdP as parsed, our options and the tenant's SP key (sealed). */
export interface SamlConnection {
  readonly idp: IdpSettings;
  readonly options: SamlOptions;
  readonly source: { readonly kind: 'xml' } | { readonly kind: 'url'; readonly url: string };
  readonly sp: { readonly privateKeySealed: string; readonly certificate: string };
  readonly updatedAt: string;
}

/** The SP's public values, for the admin to paste into the IdP. */
export function spValues(publicUrl: string, slug: string) {
  const base = `${publicUrl}/sso/${encodeURIComponent(slug)}/saml`;
  // The metadata URL doubles as our entityID: unique per tenant and resolvable (SAML metadata §4.1).
  return {
    entityId: `${base}/metadata`,
    acsUrl: `${base}/acs`,
    metadataUrl: `${base}/metadata`,
    loginUrl: `${base}/login`,
    /** Single Logout: the IdP's LogoutRequests and its LogoutResponses to ours (Redirect and POST). */
    sloUrl: `${base}/slo`,
    /** Where the browser goes after the product's logout, to send our LogoutRequest to the IdP. */
    logoutUrl: `${base}/logout`,
  };
}

export const spKeyContext = (tenant: Tenant): string => `tenant:${tenant.id}:saml-sp-key`;

export function samlConnectionOf(tenant: Tenant): SamlConnection | undefined {
  const raw = tenant.connections.saml;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  // Written only by this module (saveConnection), so its shape is ours.
  return raw as unknown as SamlConnection;
}

export const connectionJson = (connection: SamlConnection): JsonObject => connection as unknown as JsonObject;
