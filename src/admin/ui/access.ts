import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '../../platform/actor.ts';
import { Forbidden, NotFound } from '../../platform/errors.ts';
import { ctx } from '../../platform/http/context.ts';
import type { AuditContext } from '../../audit/events.ts';
import type { Tenant } from '../../storage/ports.ts';
import type { OperatorKeys } from '../../tenants/operator-key.ts';
import type { TenantService } from '../../tenants/service.ts';
import type { SetupLinks } from '../../tenants/setup-links.ts';
import { cookie, readCookie } from './cookies.ts';
import type { CookieNames } from './cookies.ts';
import { checkToken } from './forms.ts';
import { UI } from './layout.ts';
import type { UiPrincipal, UiSession, UiSessions } from './sessions.ts';

/** The signed-in session of a request, and the tenant its page is about once the guard ran. */
interface RequestState {
  session?: UiSession;
  /** The session ended on this request (token revoked, key changed): the sign-in page says so. */
  ended?: boolean;
  tenant?: Tenant;
}

const states = new WeakMap<Request, RequestState>();
const stateOf = (req: Request): RequestState => {
  let state = states.get(req);
  if (!state) states.set(req, (state = {}));
  return state;
};

export const sessionOf = (req: Request): UiSession | undefined => stateOf(req).session;
export const sessionEnded = (req: Request): boolean => stateOf(req).ended === true;

/** The session of a page that requires one (the guards below ran first). */
export function requireSession(req: Request): UiSession {
  const session = sessionOf(req);
  if (!session) throw new Forbidden('sign in first');
  return session;
}

/** The tenant a `/t/:slug/…` page is about (set by `tenantGuard`). */
export function tenantOf(req: Request): Tenant {
  const tenant = stateOf(req).tenant;
  if (!tenant) throw new NotFound('no such page');
  return tenant;
}

export const isOperator = (session: UiSession): boolean => session.principal.kind === 'operator';

export function actorOf(principal: UiPrincipal): Actor {
  switch (principal.kind) {
    case 'operator':
      return { type: 'operator', id: null };
    case 'tenant_admin':
      return { type: 'admin_token', id: principal.tokenId };
    case 'setup_link':
      return { type: 'setup_link', id: principal.linkId };
  }
}

/** Who acts, under which request: the audit context of a page's form. */
export function auditContext(req: Request): AuditContext {
  const context = ctx(req);
  return { requestId: context.requestId, actor: context.actor };
}

export interface AccessDeps {
  readonly operatorKeys: OperatorKeys;
  readonly tenants: Pick<TenantService, 'bySlug' | 'listTokens'>;
  readonly setupLinks: Pick<SetupLinks, 'list'>;
  readonly sessions: UiSessions;
  readonly cookies: CookieNames;
}

/**
 * Whether what the session was granted on still stands: the operator key is still the one it
 * signed in with; a tenant admin's token, or the setup link, is not revoked; the tenant (the same
 * one, not another created under its slug) still exists and is not disabled.
 */
async function stillValid(deps: AccessDeps, principal: UiPrincipal): Promise<boolean> {
  if (principal.kind === 'operator') return principal.keyFingerprint === deps.operatorKeys.fingerprint;
  try {
    const tenant = await deps.tenants.bySlug(principal.slug);
    if (tenant.id !== principal.tenantId || tenant.status === 'disabled') return false;
    // Revoking the link a session was opened with ends that session.
    if (principal.kind === 'setup_link')
      return (await deps.setupLinks.list(principal.slug)).some((l) => l.id === principal.linkId);
    const tokens = await deps.tenants.listTokens(principal.slug, 'admin');
    return tokens.some((t) => t.id === principal.tokenId);
  } catch (err) {
    if (err instanceof NotFound) return false;
    throw err;
  }
}

/** Loads the session of the cookie on every request, and ends it when its grant no longer stands. */
export function loadSession(deps: AccessDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const session = await deps.sessions.load(readCookie(req, deps.cookies.session));
    if (session) {
      if (await stillValid(deps, session.principal)) {
        stateOf(req).session = session;
        ctx(req).actor = actorOf(session.principal);
        if (session.principal.kind !== 'operator') ctx(req).tenant = session.principal.slug;
      } else {
        await deps.sessions.end(session);
        res.append('Set-Cookie', cookie(deps.cookies, deps.cookies.session, '', 0));
        stateOf(req).ended = true;
      }
    }
    next();
  };
}

/** Forms shown before a session exists, protected by the double-submit cookie instead. */
const PRE_SESSION_FORMS = new Set(['/sign-in', '/setup']);

/**
 * The CSRF guard, declared once for every POST of the admin page (after `postedForm` checked its
 * origin and read it): the session's synchronizer token, or for the sign-in and setup-link forms
 * the pre-session cookie's. A route added later is covered without saying so.
 */
export function csrfGuard(deps: Pick<AccessDeps, 'cookies'>) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next();
    if (PRE_SESSION_FORMS.has(req.path)) checkToken(req, readCookie(req, deps.cookies.preSession));
    else checkToken(req, requireSession(req).csrf);
    next();
  };
}

/**
 * Route-group guard of `/t/:slug/…`: a tenant's pages are open to the operator and to sessions
 * of that tenant only; another tenant's session gets 403 whether or not the slug exists.
 */
export function tenantGuard(deps: Pick<AccessDeps, 'tenants'>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const session = sessionOf(req);
    if (!session) {
      if (req.method === 'GET')
        return res.redirect(303, `${UI}/sign-in${sessionEnded(req) ? '?ended=1' : ''}`);
      throw new Forbidden('sign in first');
    }
    const slug = String(req.params.slug);
    const { principal } = session;
    if (principal.kind !== 'operator' && principal.slug !== slug)
      throw new Forbidden('this page belongs to another organisation');
    stateOf(req).tenant = await deps.tenants.bySlug(slug);
    ctx(req).tenant = slug;
    next();
  };
}

/** Inside a tenant's group: the operator's pages (setup links). */
export function operatorOnly(req: Request, _res: Response, next: NextFunction): void {
  if (!isOperator(requireSession(req))) throw new Forbidden('only the operator can do this');
  next();
}
