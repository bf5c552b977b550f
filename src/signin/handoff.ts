import type { Response } from 'express';
import type { Account, Tenant } from '../storage/ports.ts';
import type { IdpKind } from '../provider/account.ts';
import { ssoSettings } from '../tenants/settings.ts';
import { newReference, sendErrorPage } from './error-page.ts';
import { IDP_INITIATED_COOKIE } from './interactions.ts';
import type { SignIn } from './service.ts';

export interface Verified {
  readonly account: Account;
  readonly amr: readonly string[];
  /** The provider's interaction the sign-in answers, or null when it did not start at an app. */
  readonly uid: string | null;
}

/**
 * Hands a verified upstream sign-in to the product side: a one-time result and a 303 to the
 * same-site `/interaction/:uid/callback` (docs/decisions/0024-relaystate-across-the-cross-site-post.md),
 * or, without an interaction, the tenant's default app (OIDC Core §4, third-party initiated login).
 */
export async function handOff(
  deps: { readonly publicUrl: string; readonly signIn: Pick<SignIn, 'saveResult'> },
  res: Response,
  tenant: Tenant,
  idp: IdpKind,
  verified: Verified,
): Promise<void> {
  const result = {
    kind: 'login' as const,
    tenantId: tenant.id,
    accountId: verified.account.id,
    idp,
    amr: [...verified.amr],
  };
  if (verified.uid) {
    const t = await deps.signIn.saveResult({ ...result, uid: verified.uid });
    return res.redirect(303, `/interaction/${encodeURIComponent(verified.uid)}/callback?token=${t}`);
  }
  const target = ssoSettings(tenant).defaultRedirectUrl;
  if (!target)
    return sendErrorPage(res, 400, {
      title: 'No application to open',
      message: 'Start signing in from the application.',
      reference: newReference(),
    });
  const t = await deps.signIn.saveResult({ ...result, uid: null });
  const secure = deps.publicUrl.startsWith('https:') ? '; Secure' : '';
  res.setHeader(
    'Set-Cookie',
    `${IDP_INITIATED_COOKIE}=${t}; Path=/interaction; Max-Age=120; HttpOnly; SameSite=Lax${secure}`,
  );
  const url = new URL(target);
  url.searchParams.set('iss', deps.publicUrl);
  res.redirect(303, url.toString());
}
