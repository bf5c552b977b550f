import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Tenant } from '../../storage/ports.ts';
import { ctx } from '../../platform/http/context.ts';
import type { AuditContext } from '../../audit/events.ts';
import { newReference, sendErrorPage } from '../../signin/error-page.ts';
import { handOff } from '../../signin/handoff.ts';
import { failInteraction } from '../../signin/interactions.ts';
import type { SignIn } from '../../signin/service.ts';
import type { CallbackOutcome, OidcService } from './service.ts';

export interface OidcRouterDeps {
  readonly publicUrl: string;
  readonly oidc: OidcService;
  readonly signIn: SignIn;
}

const auditOf = (req: Request, accountId: string | null = null): AuditContext => ({
  requestId: ctx(req).requestId,
  actor: { type: 'user', id: accountId },
});

const queryOf = (req: Request): string => {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at);
};

/** `/sso/{slug}/oidc/login | callback`; errors go to the sign-in renderer. */
export function createOidcRouter(deps: OidcRouterDeps): Router {
  const { oidc, signIn } = deps;
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

  async function rejected(
    req: Request,
    res: Response,
    tenant: Tenant,
    outcome: Extract<CallbackOutcome, { kind: 'rejected' }>,
  ): Promise<void> {
    const { error, pending } = outcome;
    const reference = newReference();
    ctx(req).log.info({ code: error.code, reason: error.message, reference }, 'sign-in rejected');
    await signIn.rejected(auditOf(req), tenant, 'oidc', error, reference);
    if (pending?.test)
      return res.redirect(
        303,
        await signIn.testAnswered(tenant, pending.test, { refused: error, reference }),
      );
    if (pending?.uid) await failInteraction(signIn, res, pending.uid, error.publicMessage, reference);
    else sendErrorPage(res, 403, { title: 'Sign-in was refused', message: error.publicMessage, reference });
  }

  router.get('/login', async (req, res) => {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const hint = typeof req.query.login_hint === 'string' ? req.query.login_hint.slice(0, 320) : undefined;
    const target = await oidc.startLogin(tenant, null, hint);
    if (!target)
      return sendErrorPage(res, 404, {
        title: 'Single sign-on is not set up',
        message: 'Ask your administrator.',
        reference: newReference(),
      });
    res.redirect(303, target);
  });

  router.get('/callback', async (req, res) => {
    const tenant = await tenantOf(req, res);
    if (!tenant) return;
    const outcome = await oidc.consume(auditOf(req), tenant, queryOf(req));
    if (outcome.kind === 'rejected') return rejected(req, res, tenant, outcome);
    if (outcome.kind === 'tested') {
      const { profile, amr, test } = outcome;
      return res.redirect(303, await signIn.testAnswered(tenant, test, { profile, amr }));
    }
    const { account, amr, pending } = outcome;
    await signIn.succeeded(auditOf(req, account.id), tenant, account, 'oidc', amr);
    await handOff(deps, res, tenant, 'oidc', { account, amr, uid: pending.uid });
  });
  return router;
}
