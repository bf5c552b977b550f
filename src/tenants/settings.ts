import { z } from 'zod';
import type { JsonObject, Tenant } from '../storage/ports.ts';

/**
 * Tenant settings (`PATCH /admin/tenants/{slug} {settings}`): a closed, validated shape, so a
 * typo is a 400 rather than a silently ignored key. A PATCH merges at the top level.
 */
const limit = z.number().int().min(0).max(10_000_000).optional();

export const TenantSettingsSchema = z
  .object({
    jit: z
      .boolean()
      .optional()
      .describe(
        'Create an account at first sign-in when none matches (default: false, people come from SCIM).',
      ),
    allowIdpInitiated: z
      .boolean()
      .optional()
      .describe('Accept IdP-initiated SAML responses (default false).'),
    defaultRedirectUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Where an IdP-initiated sign-in lands (a registered redirect URI of a product app).'),
    clockSkewSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .optional()
      .describe('Allowed clock skew for SAML (default 60 s).'),
    allowSha1: z.boolean().optional().describe('Accept SHA-1 SAML signatures (default false).'),
    attributeMapping: z
      .object({
        email: z.string().min(1).optional(),
        givenName: z.string().min(1).optional(),
        familyName: z.string().min(1).optional(),
        displayName: z.string().min(1).optional(),
        groups: z.string().min(1).optional(),
      })
      .strict()
      .optional()
      .describe('SAML attribute names to read (defaults cover Okta, Entra ID and Google).'),
    rateLimits: z
      .object({
        scimPerToken: limit.describe('SCIM requests per minute per token.'),
        scimPerAddress: limit.describe('SCIM requests per minute per client address.'),
        adminPerToken: limit.describe('Admin API requests per minute per admin token of this tenant.'),
      })
      .strict()
      .optional()
      .describe(
        'Overrides of the gateway-wide request limits for this tenant, per minute; 0 turns a limit off (operator only; docs/security.md).',
      ),
    defaultConnection: z
      .enum(['saml', 'oidc'])
      .optional()
      .describe('The connection a sign-in uses when the tenant has both SAML and OIDC (default saml).'),
  })
  .strict();

export type TenantSettings = z.output<typeof TenantSettingsSchema>;

type SsoSettings = Readonly<
  Required<Pick<TenantSettings, 'jit' | 'allowIdpInitiated' | 'clockSkewSeconds' | 'allowSha1'>> &
    TenantSettings
>;

/**
 * Read once per settings object: a sign-in asks for them at each of its steps, and parsing them
 * cost as much as a store read. Tenants are immutable values (an update stores a new one), so the
 * answer for an object never changes.
 */
const parsedSettings = new WeakMap<JsonObject, SsoSettings>();

/** The tenant's settings, with the SSO defaults (jit off, skew 60 s, SHA-1 off: docs/sign-in.md). */
export function ssoSettings(tenant: Tenant): SsoSettings {
  const known = parsedSettings.get(tenant.settings);
  if (known) return known;
  const parsed = TenantSettingsSchema.safeParse(tenant.settings);
  const settings = parsed.success ? parsed.data : {};
  const sso: SsoSettings = Object.freeze({
    ...settings,
    jit: settings.jit ?? false,
    allowIdpInitiated: settings.allowIdpInitiated ?? false,
    clockSkewSeconds: Math.min(settings.clockSkewSeconds ?? 60, 300),
    allowSha1: settings.allowSha1 ?? false,
  });
  parsedSettings.set(tenant.settings, sso);
  return sso;
}
