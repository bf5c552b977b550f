import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Tenant } from '../../storage/ports.ts';
import { ctx } from '../../platform/http/context.ts';
import type { AuditContext } from '../../audit/events.ts';
import { newReference, sendErrorPage } from '../../signin/error-page.ts';
import { IDP_INITIATED_COOKIE, failInteraction } from '../../signin/interactions.ts';
import type { SignIn } from '../../signin/service.ts';
import { ssoSettings } from '../../tenants/settings.ts';
import type { AcsOutcome, SamlService } from './service.ts';

export interface SamlRouterDeps {
  readonly publicUrl: string;
  readonly bodyLimit: string;
  readonly saml: SamlService;
  readonly signIn: SignIn;
}

const auditOf = (req: Request, accountId: string | null = null): AuditContext => ({
  requestId: ctx(req).requestId,
  actor: { type: 'user', id: accountId },
});

type Accepted = Extract<AcsOutcome, { kind: 'accepted' }>;
type Rejected = Extract<AcsOutcome, { kind: 'rejected' }>;

/** `/sso/{slug}/saml/metadata | login | acs`; errors go to the sign-in renderer. */
export function createSamlRouter(deps: SamlRouterDeps): Router {
  const { saml, signIn } = deps;
  const router = express.Router({ mergeParams: true });

  async function tenantOf(req: Request, res: Response): Promise<Tenant | undefined> {
    const tenant = await signIn.activeTenant(String(req.params.slug));
    if (tenant) {
      ctx(req).tenant = tenant.slug;
      return tenant;
    }
    sendErrorPage(res, 404, {
      title: 'Unknown organisation',
      message: 'No organisation uses this sign-in address.',
      reference: newReference(),
    });
    return undefined;
  }

  async function rejected(req: Request, res: Response, tenant: Tenant, outcome: Rejected): Promise<void> {
    const { error, pending } = outcome;
    const reference = newReference();
    ctx(req).log.info({ code: error.code, reason: error.message, reference }, 'sign-in rejected');
    await signIn.rejected(auditOf(req), tenant, 'saml', error, reference);
    if (pending?.uid) await failInteraction(signIn, res, pending.uid, error.publicMessage, reference);
    else sendErrorPage(res, 403, { title: 'Sign-in was refused', message: error.publicMessage, reference });
  }

  /** IdP-initiated (or started here): land on the tenant's default app, OIDC Core §4 third-party login. */
  async function land(res: Response, tenant: Tenant, outcome: Accepted): Promise<void> {
    const target = ssoSettings(tenant).defaultRedirectUrl;
    if (!target) {
      sendErrorPage(res, 400, {
        title: 'No application to open',
        message: 'Start signing in from the application.',
        reference: newReference(),
      });
      return;
    }
    const t = await signIn.saveResult({
      kind: 'login',
      uid: null,
      tenantId: tenant.id,
      accountId: outcome.account.id,
      idp: 'saml',
      amr: outcome.amr,
    });
    const secure = deps.publicUrl.startsWith('https:') ? '; Secure' : '';
    res.setHeader(
      'Set-Cookie',
      `${IDP_INITIATED_COOKIE}=${t}; Path=/interaction; Max-Age=120; HttpOnly; SameSite=Lax${secure}`,
    );
    const url = new URL(target);
    url.searchParams.set('iss', deps.publicUrl);
    res.redirect(303, url.toString());
  }

  async function acs(req: Request, res: Response): Promise<void> {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const outcome = await saml.consume(auditOf(req), tenant, {
      samlResponse: typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '',
      relayState: typeof body.RelayState === 'string' ? body.RelayState : '',
    });
    if (outcome.kind === 'rejected') return rejected(req, res, tenant, outcome);
    const { account, amr, pending } = outcome;
    await signIn.succeeded(auditOf(req, account.id), tenant, account, 'saml', amr);
    if (!pending?.uid) return land(res, tenant, outcome);
    const t = await signIn.saveResult({
      kind: 'login',
      uid: pending.uid,
      tenantId: tenant.id,
      accountId: account.id,
      idp: 'saml',
      amr,
    });
    // 303 to a same-site GET: there the provider's SameSite=Lax cookies are sent again.
    res.redirect(303, `/interaction/${encodeURIComponent(pending.uid)}/callback?token=${t}`);
  }

  router.get('/metadata', async (req, res) => {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const xml = saml.metadataXml(tenant);
    if (!xml) return void res.status(404).type('text').send('SAML is not configured for this tenant');
    res.type('application/samlmetadata+xml').send(xml);
  });
  router.get('/login', async (req, res) => {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const target = await saml.startLogin(tenant, null);
    if (!target)
      return sendErrorPage(res, 404, {
        title: 'Single sign-on is not set up',
        message: 'Ask your administrator.',
        reference: newReference(),
      });
    res.redirect(303, target);
  });
  router.post(
    '/acs',
    express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 10 }),
    acs,
  );
  return router;
}
