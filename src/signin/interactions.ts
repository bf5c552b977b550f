import express from 'express';
import type { Request, Response, Router } from 'express';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import type { Tenant } from '../storage/ports.ts';
import { ctx } from '../platform/http/context.ts';
import { newReference, sendErrorPage } from './error-page.ts';
import { SignInRejected } from './rejection.ts';
import type { SignIn } from './service.ts';

/**
 * Starts the tenant's upstream sign-in for interaction `uid` (forwarding the app's `login_hint`,
 * OIDC Core §3.1.2.1); returns where to send the browser, or undefined without a connection.
 */
export type StartUpstream = (tenant: Tenant, uid: string, loginHint?: string) => Promise<string | undefined>;

/**
 * Shows the error page; the "back to the application" link finishes the interaction with
 * `error=access_denied` at the app's redirect URI (RFC 6749 §4.1.2.1).
 */
export async function failInteraction(
  signIn: Pick<SignIn, 'saveResult'>,
  res: Response,
  uid: string,
  message: string,
  reference = newReference(),
): Promise<void> {
  const t = await signIn.saveResult({
    kind: 'error',
    uid,
    reference,
    description: message,
  });
  sendErrorPage(res, 403, {
    title: 'Sign-in was refused',
    message,
    reference,
    continueUrl: `/interaction/${encodeURIComponent(uid)}/callback?token=${t}`,
  });
}

function sessionLost(req: Request, res: Response, err: unknown): void {
  const reference = newReference();
  ctx(req).log.info({ err, reference }, 'interaction not found');
  sendErrorPage(res, 400, {
    title: 'Sign-in expired',
    message: 'This sign-in is no longer valid. Go back to the application and start again.',
    reference,
  });
}

/** The cookie the ACS sets for an IdP-initiated sign-in (saml/router.ts `land`). */
export const IDP_INITIATED_COOKIE = 'tg_sso';

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * An IdP-initiated sign-in sent the browser to the app, which came back here with a normal
 * authorization request: finish it with the verified login, once, for the same tenant only.
 */
async function idpInitiatedLogin(signIn: SignIn, req: Request, res: Response, tenant: Tenant) {
  const t = cookie(req, IDP_INITIATED_COOKIE);
  if (!t) return undefined;
  res.append('Set-Cookie', `${IDP_INITIATED_COOKIE}=; Path=/interaction; Max-Age=0; HttpOnly; SameSite=Lax`);
  const result = await signIn.consumeResult(t);
  return result?.kind === 'login' && result.uid === null && result.tenantId === tenant.id
    ? result
    : undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Product apps are first-party (registered by the operator), so consent is granted without a
 * screen: this prompt appears when an app asks for it (`prompt=consent`, needed for
 * `offline_access`, OIDC Core §11) after the person signed in.
 */
async function grantConsent(op: Provider, req: Request, res: Response, details: Interaction): Promise<void> {
  const accountId = details.session?.accountId ?? '';
  const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
  const existing = details.grantId ? await op.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new op.Grant({ accountId, clientId });
  const missing = details.prompt.details;
  grant.addOIDCScope(strings(missing.missingOIDCScope).join(' '));
  const claims = strings(missing.missingOIDCClaims);
  if (claims.length > 0) grant.addOIDCClaims(claims);
  const grantId = await grant.save();
  await op.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** The login prompt: the tenant from the request, then its IdP (or an IdP-initiated result). */
async function loginPrompt(
  signIn: SignIn,
  op: Provider,
  req: Request,
  res: Response,
  details: Interaction,
  start: StartUpstream,
): Promise<void> {
  const tenant = await signIn.resolveTenant(details.params);
  if (!tenant) {
    await failInteraction(
      signIn,
      res,
      details.uid,
      'No organisation matches this sign-in (tenant or login_hint).',
    );
    return;
  }
  ctx(req).tenant = tenant.slug;
  const landed = await idpInitiatedLogin(signIn, req, res, tenant);
  if (landed) {
    const login = { accountId: landed.accountId, amr: [...landed.amr] };
    await op.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
  const target = await start(tenant, details.uid, hint);
  if (!target) {
    const reference = newReference();
    const refusal = new SignInRejected(
      'no_connection',
      'the tenant has no sign-in connection',
      'Single sign-on is not set up for this organisation.',
    );
    await signIn.rejected({ requestId: ctx(req).requestId, actor: null }, tenant, 'saml', refusal, reference);
    await failInteraction(signIn, res, details.uid, refusal.publicMessage, reference);
    return;
  }
  res.redirect(303, target);
}

export interface InteractionDeps {
  readonly signIn: SignIn;
  /** The product-facing OpenID Provider (built on first use). */
  readonly provider: () => Promise<Provider>;
  readonly startUpstream: StartUpstream;
}

export function createInteractionRouter(deps: InteractionDeps): Router {
  const { signIn, provider, startUpstream: start } = deps;
  const router = express.Router();
  const uidOf = (req: Request): string => String(req.params.uid);

  router.get('/interaction/:uid', async (req, res) => {
    const op = await provider();
    const details = await op.interactionDetails(req, res).catch((err: unknown) => {
      sessionLost(req, res, err);
      return undefined;
    });
    if (!details) return;
    if (details.uid === uidOf(req) && details.prompt.name === 'consent' && details.session) {
      await grantConsent(op, req, res, details);
      return;
    }
    if (details.uid !== uidOf(req) || details.prompt.name !== 'login') {
      await failInteraction(signIn, res, details.uid, 'This sign-in step is not supported.');
      return;
    }
    await loginPrompt(signIn, op, req, res, details, start);
  });

  router.get('/interaction/:uid/callback', async (req, res) => {
    const op = await provider();
    const t = typeof req.query.token === 'string' ? req.query.token : '';
    const result = await signIn.consumeResult(t);
    // The interaction cookie proves this browser started the sign-in (login CSRF defence).
    const details = await op.interactionDetails(req, res).catch(() => undefined);
    if (!result || !details || result.uid !== uidOf(req) || details.uid !== uidOf(req)) {
      sessionLost(req, res, new Error('unknown or mismatched sign-in result'));
      return;
    }
    if (result.kind === 'error') {
      await op.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: result.description,
      });
      return;
    }
    await op.interactionFinished(
      req,
      res,
      { login: { accountId: result.accountId, amr: [...result.amr] } },
      { mergeWithLastSubmission: false },
    );
  });
  return router;
}
