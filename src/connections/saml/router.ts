import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Tenant } from '../../storage/ports.ts';
import { ctx } from '../../platform/http/context.ts';
import type { AuditContext } from '../../audit/events.ts';
import { newReference, sendErrorPage } from '../../signin/error-page.ts';
import { failInteraction } from '../../signin/interactions.ts';
import { handOff } from '../../signin/handoff.ts';
import type { SignIn } from '../../signin/service.ts';
import type { AcsOutcome, SamlService } from './service.ts';
import type { LogoutMessage } from './slo.ts';
import type { LogoutRejected } from './logout-rejection.ts';

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

type Rejected = Extract<AcsOutcome, { kind: 'rejected' }>;

/** `/sso/{slug}/saml/metadata | login | acs | slo`; errors go to the sign-in renderer. */
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
    if (pending?.test)
      return res.redirect(
        303,
        await signIn.testAnswered(tenant, pending.test, { refused: error, reference }),
      );
    if (pending?.uid) await failInteraction(signIn, res, pending.uid, error.publicMessage, reference);
    else sendErrorPage(res, 403, { title: 'Sign-in was refused', message: error.publicMessage, reference });
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
    if (outcome.kind === 'tested') {
      const { profile, amr, test } = outcome;
      return res.redirect(303, await signIn.testAnswered(tenant, test, { profile, amr }));
    }
    const { account, amr, pending } = outcome;
    await signIn.succeeded(auditOf(req, account.id), tenant, account, 'saml', amr);
    // IdP-initiated (no interaction) lands on the tenant's default app (src/signin/handoff.ts).
    await handOff(deps, res, tenant, 'saml', { account, amr, uid: pending?.uid ?? null });
  }

  async function logoutRefused(req: Request, res: Response, tenant: Tenant, error: LogoutRejected) {
    const reference = newReference();
    ctx(req).log.info({ code: error.code, reason: error.message, reference }, 'logout message refused');
    await saml.logoutRejected(auditOf(req), tenant, error, reference);
    sendErrorPage(res, error.status, {
      title: 'Sign-out was refused',
      message: error.publicMessage,
      reference,
    });
  }

  /** `/slo`: the IdP's LogoutRequest, over HTTP-Redirect (GET) or HTTP-POST. */
  async function slo(req: Request, res: Response, input: LogoutMessage): Promise<void> {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const outcome = await saml.logoutRequest(auditOf(req), tenant, input);
    if (outcome.kind === 'rejected') return logoutRefused(req, res, tenant, outcome.error);
    const { answer } = outcome;
    if (answer.failure !== undefined)
      ctx(req).log.error({ err: answer.failure }, 'single logout could not end the sessions');
    if (answer.kind === 'redirect') return res.redirect(303, answer.url);
    sendErrorPage(res, answer.failure === undefined ? 200 : 500, {
      title: answer.failure === undefined ? 'Signed out' : 'Sign-out did not complete',
      message:
        answer.failure === undefined
          ? 'You are signed out of the applications of this organisation.'
          : 'Something went wrong on our side.',
      reference: newReference(),
    });
  }

  /** `/slo` with a SAMLResponse: the IdP's answer to our LogoutRequest (sp-logout.ts). */
  async function sloResponse(req: Request, res: Response, input: LogoutMessage): Promise<void> {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const outcome = await saml.logoutResponse(auditOf(req), tenant, input);
    if (outcome.kind === 'rejected') return logoutRefused(req, res, tenant, outcome.error);
    res.redirect(303, outcome.returnTo);
  }

  router.get('/slo', async (req, res) => {
    const at = req.originalUrl.indexOf('?');
    const input = { binding: 'redirect', rawQuery: at < 0 ? '' : req.originalUrl.slice(at + 1) } as const;
    if (req.query.SAMLResponse !== undefined) return sloResponse(req, res, input);
    await slo(req, res, input);
  });
  router.get('/logout', async (req, res) => {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const target = await saml.startLogout(tenant, typeof req.query.t === 'string' ? req.query.t : '');
    if (!target)
      return sendErrorPage(res, 400, {
        title: 'Sign-out expired',
        message: 'This sign-out is no longer valid. You are signed out of the application.',
        reference: newReference(),
      });
    res.redirect(303, target);
  });
  router.post(
    '/slo',
    express.urlencoded({ extended: false, limit: deps.bodyLimit, parameterLimit: 10 }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      const response = text(body.SAMLResponse);
      const relayState = text(body.RelayState);
      if (response !== undefined)
        return sloResponse(req, res, { binding: 'post', message: response, relayState });
      await slo(req, res, { binding: 'post', message: text(body.SAMLRequest) ?? '', relayState });
    },
  );

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
