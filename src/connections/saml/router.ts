import { randomUUID } from 'node:crypto';
import express from 'express';
import type { Request, Response, Router } from 'express';
import type { Container } from '../../container.ts';
import type { Tenant } from '../../storage/ports.ts';
import { ctx } from '../../platform/http/context.ts';
import { auditEvent } from '../../audit/events.ts';
import type { AuditContext } from '../../audit/events.ts';
import { savePending, saveResult } from '../../signin/login-state.ts';
import { newReference, sendErrorPage } from '../../signin/error-page.ts';
import { IDP_INITIATED_COOKIE, failInteraction } from '../../signin/interactions.ts';
import { SignInRejected } from '../../signin/rejection.ts';
import { samlConnectionOf, ssoSettings } from './connection.ts';
import { samlFor, spMetadataXml } from './sp.ts';
import { runAcs } from './acs.ts';
import type { AcsState } from './acs.ts';

/** Builds the AuthnRequest (HTTP-Redirect) and remembers it under an opaque RelayState. */
export async function startSamlLogin(
  container: Container,
  tenant: Tenant,
  uid: string | null,
): Promise<string | undefined> {
  const connection = samlConnectionOf(tenant);
  if (!connection) return undefined;
  const requestId = `_${randomUUID()}`;
  const relayState = await savePending(container.storage.ephemeral, { tenantId: tenant.id, requestId, uid });
  return samlFor(container, tenant, connection, requestId).getAuthorizeUrlAsync(relayState, undefined, {});
}

const auditOf = (req: Request, accountId: string | null = null): AuditContext => ({
  requestId: ctx(req).requestId,
  actor: { type: 'user', id: accountId },
});

async function tenantOf(container: Container, req: Request, res: Response): Promise<Tenant | undefined> {
  const tenant = await container.storage.tenants.getBySlug(String(req.params.slug));
  if (tenant?.status === 'active') {
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
  container: Container,
  req: Request,
  res: Response,
  s: AcsState,
  err: SignInRejected,
): Promise<void> {
  const reference = newReference();
  ctx(req).log.info({ code: err.code, reason: err.message, reference }, 'sign-in rejected');
  await container.storage.audit.append(
    auditEvent(auditOf(req), s.tenant.id, 'sso.login_rejected', null, {
      protocol: 'saml',
      code: err.code,
      reason: err.message,
      reference,
    }),
  );
  if (s.pending?.uid) await failInteraction(container, res, s.pending.uid, err.publicMessage, reference);
  else sendErrorPage(res, 403, { title: 'Sign-in was refused', message: err.publicMessage, reference });
}

/** IdP-initiated (or started here): land on the tenant's default app, OIDC Core §4 third-party login. */
async function land(container: Container, res: Response, s: AcsState, amr: string[]): Promise<void> {
  const target = ssoSettings(s.tenant).defaultRedirectUrl;
  const account = s.account;
  if (!target || !account) {
    sendErrorPage(res, 400, {
      title: 'No application to open',
      message: 'Start signing in from the application.',
      reference: newReference(),
    });
    return;
  }
  const t = await saveResult(container.storage.ephemeral, {
    kind: 'login',
    uid: null,
    tenantId: s.tenant.id,
    accountId: account.id,
    idp: 'saml',
    amr,
  });
  const secure = container.config.publicUrl.startsWith('https:') ? '; Secure' : '';
  res.setHeader(
    'Set-Cookie',
    `${IDP_INITIATED_COOKIE}=${t}; Path=/interaction; Max-Age=120; HttpOnly; SameSite=Lax${secure}`,
  );
  const url = new URL(target);
  url.searchParams.set('iss', container.config.publicUrl);
  res.redirect(303, url.toString());
}

async function acs(container: Container, req: Request, res: Response): Promise<void> {
  const tenant = await tenantOf(container, req, res);
  if (!tenant) return;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const s: AcsState = {
    container,
    audit: auditOf(req),
    tenant,
    samlResponse: typeof body.SAMLResponse === 'string' ? body.SAMLResponse : '',
    relayState: typeof body.RelayState === 'string' ? body.RelayState : '',
  };
  try {
    const { account, amr } = await runAcs(s);
    await container.storage.audit.append(
      auditEvent(
        auditOf(req, account.id),
        tenant.id,
        'sso.login_succeeded',
        { type: 'account', id: account.id },
        { protocol: 'saml', amr },
      ),
    );
    const uid = s.pending?.uid;
    if (!uid) return await land(container, res, s, amr);
    const t = await saveResult(container.storage.ephemeral, {
      kind: 'login',
      uid,
      tenantId: tenant.id,
      accountId: account.id,
      idp: 'saml',
      amr,
    });
    // 303 to a same-site GET: there the provider's SameSite=Lax cookies are sent again.
    res.redirect(303, `/interaction/${encodeURIComponent(uid)}/callback?token=${t}`);
  } catch (err) {
    if (err instanceof SignInRejected) return rejected(container, req, res, s, err);
    throw err;
  }
}

/** `/sso/{slug}/saml/metadata | login | acs`. */
export function createSamlRouter(container: Container): Router {
  const router = express.Router({ mergeParams: true });
  router.get('/metadata', async (req, res) => {
    const tenant = await tenantOf(container, req, res);
    const connection = tenant ? samlConnectionOf(tenant) : undefined;
    if (!tenant) return;
    if (!connection) return void res.status(404).type('text').send('SAML is not configured for this tenant');
    res.type('application/samlmetadata+xml').send(spMetadataXml(container, tenant, connection));
  });
  router.get('/login', async (req, res) => {
    const tenant = await tenantOf(container, req, res);
    if (!tenant) return;
    const target = await startSamlLogin(container, tenant, null);
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
    express.urlencoded({ extended: false, limit: container.config.bodyLimit, parameterLimit: 10 }),
    async (req, res) => acs(container, req, res),
  );
  return router;
}
