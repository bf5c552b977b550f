import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Tenant } from '../../storage/ports.ts';
import { ctx } from '../../platform/http/context.ts';
import type { AuditContext } from '../../audit/events.ts';
import { newReference, sendErrorPage } from '../../signin/error-page.ts';
import { failInteraction } from '../../signin/interactions.ts';
import { handOff } from '../../signin/handoff.ts';
import type { SignIn } from '../../signin/service.ts';
import { TEST_RESULT_PATH } from '../../signin/login-state.ts';
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
    if (pending?.test) {
      // The admin who ran the test sees why (the detail, not only the public message).
      const result = {
        tenantId: tenant.id,
        slug: tenant.slug,
        session: pending.test.session,
        kind: 'refused' as const,
      };
      const t = await signIn.saveTestResult({
        ...result,
        code: error.code,
        reason: error.message,
        reference,
      });
      return res.redirect(303, `${TEST_RESULT_PATH}?token=${t}`);
    }
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
      const { profile, amr, pending } = outcome;
      const session = pending.test?.session ?? '';
      const result = {
        tenantId: tenant.id,
        slug: tenant.slug,
        session,
        kind: 'profile' as const,
        profile,
        amr,
      };
      const t = await signIn.saveTestResult(result);
      return res.redirect(303, `${TEST_RESULT_PATH}?token=${t}`);
    }
    const { account, amr, pending } = outcome;
    await signIn.succeeded(auditOf(req, account.id), tenant, account, 'saml', amr);
    // IdP-initiated (no interaction) lands on the tenant's default app (src/signin/handoff.ts).
    await handOff(deps, res, tenant, 'saml', { account, amr, uid: pending?.uid ?? null });
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
