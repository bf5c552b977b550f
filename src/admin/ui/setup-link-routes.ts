import type { Request, Router } from 'express';
import { BadRequest } from '../../platform/errors.ts';
import { ctx } from '../../platform/http/context.ts';
import type { SetupLinks } from '../../tenants/setup-links.ts';
import { auditContext, requireSession, tenantOf } from './access.ts';
import type { CookieNames } from './cookies.ts';
import { formOf } from './forms.ts';
import { UI, tenantPath } from './layout.ts';
import { errorPage } from './pages/error.ts';
import { redeemPage, setupLinksPage } from './pages/setup-links.ts';
import type { SetupLinksView } from './pages/setup-links.ts';
import { frameOf, send } from './render.ts';
import { noticeOf } from './tenant-pages.ts';
import type { UiSessions } from './sessions.ts';
import { issueFormToken, startSession } from './sign-in.ts';

export interface SetupLinkRouteDeps {
  readonly publicUrl: string;
  readonly setupLinks: SetupLinks;
  readonly sessions: UiSessions;
  readonly cookies: CookieNames;
}

const DISABLED =
  'This organisation is disabled: it cannot be set up until the operator enables it again. Ask them for a new link then.';
const GONE =
  'This setup link is not valid any more: it was used, it expired, or it was revoked. Ask your provider for a new one.';

/** The operator's setup-link pages of a tenant (`/t/:slug/setup-links`, behind `operatorOnly`). */
export function addSetupLinkPages(router: Router, deps: SetupLinkRouteDeps): void {
  async function render(
    req: Request,
    res: Parameters<typeof send>[0],
    status: number,
    created?: SetupLinksView['created'],
  ) {
    const tenant = tenantOf(req);
    const view: SetupLinksView = {
      csrf: requireSession(req).csrf,
      slug: tenant.slug,
      links: await deps.setupLinks.list(tenant.slug),
      maxHours: deps.setupLinks.maxHours,
      created,
    };
    const frame = { ...frameOf(req, { slug: tenant.slug, name: tenant.name }), notice: noticeOf(req) };
    send(res, status, setupLinksPage(frame, view));
  }

  router.get('/setup-links', (req, res) => render(req, res, 200));

  router.post('/setup-links', async (req, res) => {
    if (!(await deps.sessions.firstUse(requireSession(req), formOf(req).field('_once'))))
      return res.redirect(303, `${tenantPath(tenantOf(req).slug, 'setup-links')}?done=repeated`);
    const hours = Number(formOf(req).field('hours') || deps.setupLinks.maxHours);
    const { view, secret } = await deps.setupLinks.create(auditContext(req), tenantOf(req).slug, hours);
    // The secret travels in the query, which the access log never records (platform/http/context.ts).
    await render(req, res, 201, {
      url: `${deps.publicUrl}${UI}/setup?link=${secret}`,
      expiresAt: view.expiresAt,
    });
  });

  router.post('/setup-links/:id/revoke', async (req, res) => {
    await deps.setupLinks.revoke(auditContext(req), tenantOf(req).slug, req.params.id);
    res.redirect(303, tenantPath(tenantOf(req).slug, 'setup-links'));
  });
}

/** `/admin/ui/setup?link=…`: GET confirms (spends nothing), POST redeems into a tenant-scoped session. */
export function addRedeemRoutes(router: Router, deps: SetupLinkRouteDeps): void {
  router.get('/setup', async (req, res) => {
    const secret = typeof req.query.link === 'string' ? req.query.link : '';
    const found = await deps.setupLinks.peek(secret);
    if (!found) return send(res, 404, errorPage(404, GONE, ctx(req).requestId));
    send(
      res,
      200,
      redeemPage({
        formToken: issueFormToken(res, deps.cookies),
        secret,
        tenantName: found.tenant.name,
        expiresAt: found.expiresAt,
      }),
    );
  });

  router.post('/setup', async (req, res) => {
    const secret = formOf(req).field('link');
    if (!secret) throw new BadRequest('the form names no setup link');
    const won = await deps.setupLinks.redeem(secret, ctx(req).requestId);
    if (!won) return send(res, 404, errorPage(404, GONE, ctx(req).requestId));
    // A disabled tenant's admins are shut out with it; the link is spent like any other.
    if (won.tenant.status === 'disabled') return send(res, 403, errorPage(403, DISABLED, ctx(req).requestId));
    await startSession(deps, req, res, {
      kind: 'setup_link',
      tenantId: won.tenant.id,
      slug: won.tenant.slug,
      linkId: won.linkId,
    });
  });
}
