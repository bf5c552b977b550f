import type { Request, Router } from 'express';
import { BadRequest, NotFound } from '../../platform/errors.ts';
import { sha256Hex } from '../../platform/secrets.ts';
import type { OidcService } from '../../connections/oidc/service.ts';
import type { SamlService } from '../../connections/saml/service.ts';
import { oidcConnectionOf } from '../../connections/oidc/connection.ts';
import { samlConnectionOf } from '../../connections/saml/connection.ts';
import { TEST_RESULT_PATH } from '../../signin/login-state.ts';
import type { SignIn } from '../../signin/service.ts';
import type { TenantService } from '../../tenants/service.ts';
import { requireSession, sessionOf, tenantOf } from './access.ts';
import { testResultInterstitial, testResultPage } from './pages/test-result.ts';
import { formOf } from './forms.ts';
import { frameOf, send } from './render.ts';
import type { UiSession } from './sessions.ts';

export interface TestSignInDeps {
  readonly saml: Pick<SamlService, 'startTest'>;
  readonly oidc: Pick<OidcService, 'startTest'>;
  readonly signIn: Pick<SignIn, 'peekTestResult' | 'consumeTestResult'>;
  readonly tenants: Pick<TenantService, 'bySlug'>;
}

/** What the pending sign-in names the admin session by (never the session's store key itself). */
const testBinding = (session: Pick<UiSession, 'key'>): string => sha256Hex(`test-sign-in:${session.key}`);

/** The refusal of a test through a connection the tenant lacks, per protocol. */
const CONNECTIONS = {
  saml: { missing: 'Upload your IdP metadata first: this test signs in through the SAML connection.' },
  oidc: {
    missing:
      'Save your OpenID Connect settings first: this test signs in through the OpenID Connect connection.',
  },
} as const;

/**
 * `POST /t/:slug/sso/test` (behind `tenantGuard` and the CSRF guard): off to the IdP in test mode,
 * through the connection the form names (`protocol`: `saml` or `oidc`; without it, SAML when the
 * tenant has it, else OpenID Connect).
 */
export function addTestStart(router: Router, deps: TestSignInDeps): void {
  router.post('/sso/test', async (req, res) => {
    const tenant = tenantOf(req);
    const chosen = formOf(req).field('protocol');
    const protocol = chosen || (samlConnectionOf(tenant) || !oidcConnectionOf(tenant) ? 'saml' : 'oidc');
    const session = testBinding(requireSession(req));
    if (protocol !== 'saml' && protocol !== 'oidc')
      throw new BadRequest('Choose the connection to test: SAML or OpenID Connect.');
    const target = await deps[protocol].startTest(tenant, session);
    if (!target) throw new BadRequest(CONNECTIONS[protocol].missing);
    res.redirect(303, target);
  });
}

const path = TEST_RESULT_PATH.replace('/admin/ui', '');

/**
 * `GET /admin/ui/test-result?token=…`: the result of a test sign-in, to the session that started
 * it only, once. Without the cookie (the cross-site return from the IdP) an interstitial whose
 * link comes back same-site.
 */
export function addTestResult(router: Router, deps: TestSignInDeps): void {
  router.get(path, async (req: Request, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const session = sessionOf(req);
    const result = await deps.signIn.peekTestResult(token);
    if (!session) {
      if (!result) throw new NotFound('This test result is gone (already shown, or expired).');
      return send(res, 200, testResultInterstitial(`${TEST_RESULT_PATH}?token=${encodeURIComponent(token)}`));
    }
    const p = session.principal;
    const mine =
      result !== undefined &&
      result.session === testBinding(session) &&
      (p.kind === 'operator' || p.tenantId === result.tenantId);
    if (!mine)
      throw new NotFound(
        'This test result is gone (already shown, or expired), or belongs to another session.',
      );
    const shown = await deps.signIn.consumeTestResult(token);
    if (!shown) throw new NotFound('This test result was already shown.');
    const tenant = await deps.tenants.bySlug(shown.slug);
    const frame = frameOf(req, { slug: tenant.slug, name: tenant.name });
    send(res, 200, testResultPage(frame, tenant.slug, shown));
  });
}
