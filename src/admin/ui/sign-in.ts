import type { Request, Response, Router } from 'express';
import { Unauthorized } from '../../platform/errors.ts';
import { clientAddress } from '../../platform/http/client-address.ts';
import type { SurfaceLimits } from '../../platform/rate-limit.ts';
import { newSecret } from '../../platform/ids.ts';
import type { OperatorKeys } from '../../tenants/operator-key.ts';
import type { TokenAuthenticator } from '../../tenants/tokens.ts';
import { requireSession, sessionEnded, sessionOf } from './access.ts';
import { cookie } from './cookies.ts';
import type { CookieNames } from './cookies.ts';
import { formOf } from './forms.ts';
import { UI, tenantPath } from './layout.ts';
import { signInPage } from './pages/sign-in.ts';
import { send } from './render.ts';
import type { UiPrincipal, UiSessions } from './sessions.ts';

export interface SignInDeps {
  /** The admin surface's failed-authentication lockout (docs/decisions/0090-rate-limits.md). */
  readonly lockout: { readonly surface: SurfaceLimits; readonly trustProxy: boolean };
  readonly operatorKeys: OperatorKeys;
  readonly tokens: TokenAuthenticator;
  readonly sessions: UiSessions;
  readonly cookies: CookieNames;
}

/** How long a sign-in or setup-link form stays usable (its double-submit cookie's lifetime). */
const FORM_SECONDS = 1800;

/** A fresh pre-session form token, set as a cookie and returned for the hidden field. */
export function issueFormToken(res: Response, cookies: CookieNames): string {
  const token = newSecret(32);
  res.append('Set-Cookie', cookie(cookies, cookies.preSession, token, FORM_SECONDS));
  return token;
}

/** Where a session starts: the operator picks a tenant, a tenant's admin lands on its SSO page. */
export const homeOf = (principal: UiPrincipal): string =>
  principal.kind === 'operator' ? `${UI}/tenants` : tenantPath(principal.slug, 'sso');

/** Starts a session (always a new id: no fixation) and ends the one the browser had. */
export async function startSession(
  deps: Pick<SignInDeps, 'sessions' | 'cookies'>,
  req: Request,
  res: Response,
  principal: UiPrincipal,
): Promise<void> {
  const previous = sessionOf(req);
  if (previous) await deps.sessions.end(previous);
  const { id } = await deps.sessions.start(principal);
  res.append('Set-Cookie', cookie(deps.cookies, deps.cookies.session, id));
  res.append('Set-Cookie', cookie(deps.cookies, deps.cookies.preSession, '', 0));
  res.redirect(303, homeOf(principal));
}

/** Who the credential is; `disabled`: a valid admin token of a disabled tenant (shut out with it). */
async function principalOf(
  deps: SignInDeps,
  credential: string,
): Promise<UiPrincipal | 'disabled' | undefined> {
  if (deps.operatorKeys.matches(credential))
    return { kind: 'operator', keyFingerprint: deps.operatorKeys.fingerprint };
  try {
    const { token, tenant } = await deps.tokens.authenticate('admin', credential);
    if (tenant.status === 'disabled') return 'disabled';
    return { kind: 'tenant_admin', tenantId: tenant.id, slug: tenant.slug, tokenId: token.id };
  } catch (err) {
    if (err instanceof Unauthorized) return undefined;
    throw err;
  }
}

/** `/admin/ui`, `/sign-in`, `/sign-out`. */
export function addSignInRoutes(router: Router, deps: SignInDeps): void {
  router.get('/', (req, res) => {
    const session = sessionOf(req);
    res.redirect(303, session ? homeOf(session.principal) : `${UI}/sign-in`);
  });

  router.get('/sign-in', (req, res) => {
    const notice =
      sessionEnded(req) || req.query.ended === '1'
        ? 'Your session has ended (signed out elsewhere, its token was revoked, or the organisation was disabled). Sign in again.'
        : req.query.signed_out === '1'
          ? 'You are signed out.'
          : undefined;
    send(res, 200, signInPage({ formToken: issueFormToken(res, deps.cookies), notice }));
  });

  router.post('/sign-in', async (req, res) => {
    // The admin API's lockout, shared with it: checked before the credential is looked at, and a
    // refused credential counts against the address as it does on the API.
    const address = clientAddress(req, deps.lockout.trustProxy);
    await deps.lockout.surface.checkLockout(address, '');
    const credential = formOf(req).field('credential').trim();
    const principal = credential ? await principalOf(deps, credential) : undefined;
    if (principal === 'disabled')
      return send(
        res,
        403,
        signInPage({
          formToken: issueFormToken(res, deps.cookies),
          error:
            'This organisation is disabled: its admin tokens cannot sign in until the operator enables it again.',
        }),
      );
    if (credential && !principal) await deps.lockout.surface.failed(address, '');
    if (!principal)
      return send(
        res,
        401,
        signInPage({
          formToken: issueFormToken(res, deps.cookies),
          error: 'That key or token is not valid. Check that you copied all of it.',
        }),
      );
    await startSession(deps, req, res, principal);
  });

  router.post('/sign-out', async (req, res) => {
    await deps.sessions.end(requireSession(req));
    res.append('Set-Cookie', cookie(deps.cookies, deps.cookies.session, '', 0));
    res.redirect(303, `${UI}/sign-in?signed_out=1`);
  });
}
