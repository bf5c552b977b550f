import type { Request, Response, Router } from 'express';
import { AppError, BadRequest, NotFound } from '../../platform/errors.ts';
import type { SamlService } from '../../connections/saml/service.ts';
import type { OidcService } from '../../connections/oidc/service.ts';
import type { EventService } from '../../events/service.ts';
import type { DirectorySearch } from '../../directory/search.ts';
import type { ScimLogStore } from '../../storage/ports.ts';
import type { TenantService } from '../../tenants/service.ts';
import { auditContext, requireSession, tenantOf } from './access.ts';
import { formOf } from './forms.ts';
import { tenantPath } from './layout.ts';
import { eventsPage } from './pages/events.ts';
import { peoplePage } from './pages/people.ts';
import { scimPage } from './pages/scim.ts';
import type { ScimView } from './pages/scim.ts';
import { ssoPage } from './pages/sso.ts';
import type { SsoView } from './pages/sso.ts';
import { frameOf, send } from './render.ts';
import type { UiSessions } from './sessions.ts';

export interface TenantPageDeps {
  readonly publicUrl: string;
  readonly tenants: Pick<TenantService, 'listTokens' | 'mintToken' | 'revokeToken'>;
  readonly saml: Pick<SamlService, 'get' | 'put' | 'spValues'>;
  readonly oidc: Pick<OidcService, 'get' | 'put'>;
  readonly events: Pick<EventService, 'recent'>;
  readonly scimLog: Pick<ScimLogStore, 'list'>;
  readonly directory: DirectorySearch;
  readonly sessions: Pick<UiSessions, 'firstUse'>;
}

const PAGE_SIZE = 50;
const RECENT_EVENTS = 100;

/** A connection that is not set up reads as null; anything else is thrown. */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof NotFound) return null;
    throw err;
  }
}

/** A refusal the person can fix (a 4xx of the service), with its message; else rethrown. */
function fixable(err: unknown): string {
  if (err instanceof AppError && err.status < 500) return err.message;
  throw err;
}

const frame = (req: Request) => {
  const tenant = tenantOf(req);
  return frameOf(req, { slug: tenant.slug, name: tenant.name });
};

/** What a finished form says on the page it returns to (fixed texts: nothing from the URL is shown). */
const NOTICES: Readonly<Record<string, string>> = {
  metadata: 'The IdP metadata was saved.',
  oidc: 'The OpenID Connect settings were saved.',
  revoked: 'The token was revoked: requests with it are refused from now on.',
  repeated: 'That form was already sent: nothing new was created, and what it created is not shown again.',
};
export const noticeOf = (req: Request): string | undefined =>
  typeof req.query.done === 'string' ? NOTICES[req.query.done] : undefined;

/** The SSO, SCIM, People and teams, and Events pages of `/t/:slug/…` (behind `tenantGuard`). */
export function addTenantPages(router: Router, deps: TenantPageDeps): void {
  async function sso(req: Request, res: Response, status: number, extra: Partial<SsoView> = {}) {
    const tenant = tenantOf(req);
    const [saml, oidc] = await Promise.all([
      orNull(deps.saml.get(tenant.slug)),
      orNull(deps.oidc.get(tenant.slug)),
    ]);
    const sp = deps.saml.spValues(tenant.slug);
    const view: SsoView = {
      csrf: requireSession(req).csrf,
      slug: tenant.slug,
      sp,
      oidcRedirectUri: `${deps.publicUrl}/sso/${encodeURIComponent(tenant.slug)}/oidc/callback`,
      saml,
      oidc,
      ...extra,
    };
    send(res, status, ssoPage({ ...frame(req), notice: noticeOf(req) }, view), testTargets(saml, oidc));
  }

  router.get('/sso', (req, res) => sso(req, res, 200));

  router.post('/sso/metadata', async (req, res) => {
    const form = formOf(req);
    const url = form.field('metadataUrl').trim();
    const xml = form.file('metadataFile') ?? form.field('metadataXml');
    const which = url ? 'metadata-url' : 'metadata';
    const values = { metadataUrl: url, metadataXml: form.field('metadataXml') };
    try {
      if (!url && !xml.trim())
        throw new BadRequest('Choose a metadata file, paste its XML, or give its URL.');
      await deps.saml.put(
        auditContext(req),
        tenantOf(req).slug,
        url ? { json: { metadataUrl: url } } : { xml },
      );
    } catch (err) {
      return sso(req, res, 400, { refused: { form: which, message: fixable(err) }, values });
    }
    res.redirect(303, `${tenantPath(tenantOf(req).slug, 'sso')}?done=metadata`);
  });

  router.post('/sso/oidc', async (req, res) => {
    const form = formOf(req);
    const scopes = form.field('scopes').split(/\s+/).filter(Boolean);
    const input = {
      issuer: form.field('issuer').trim(),
      clientId: form.field('clientId').trim(),
      clientSecret: form.field('clientSecret'),
      ...(scopes.length > 0 ? { scopes } : {}),
    };
    try {
      await deps.oidc.put(auditContext(req), tenantOf(req).slug, input);
    } catch (err) {
      const values = { issuer: input.issuer, clientId: input.clientId, scopes: scopes.join(' ') };
      return sso(req, res, 400, { refused: { form: 'oidc', message: fixable(err) }, values });
    }
    res.redirect(303, `${tenantPath(tenantOf(req).slug, 'sso')}?done=oidc`);
  });

  async function scim(req: Request, res: Response, status: number, extra: Partial<ScimView> = {}) {
    const tenant = tenantOf(req);
    const [tokens, log] = await Promise.all([
      deps.tenants.listTokens(tenant.slug, 'scim'),
      deps.scimLog.list(tenant.id, null, PAGE_SIZE),
    ]);
    const view: ScimView = {
      csrf: requireSession(req).csrf,
      slug: tenant.slug,
      baseUrl: `${deps.publicUrl}/scim/v2/${encodeURIComponent(tenant.slug)}`,
      tokens,
      log,
      ...extra,
    };
    send(res, status, scimPage({ ...frame(req), notice: noticeOf(req) }, view));
  }

  router.get('/scim', (req, res) => scim(req, res, 200));

  router.post('/scim/tokens', async (req, res) => {
    const label = formOf(req).field('label').trim();
    if (!(await deps.sessions.firstUse(requireSession(req), formOf(req).field('_once'))))
      return res.redirect(303, `${tenantPath(tenantOf(req).slug, 'scim')}?done=repeated`);
    if (label.length > 200)
      return scim(req, res, 400, { labelError: 'The label is longer than 200 characters.' });
    const { token } = await deps.tenants.mintToken(
      auditContext(req),
      tenantOf(req).slug,
      'scim',
      label || null,
    );
    // Shown in this response only (Cache-Control: no-store); a reload does not show it again.
    await scim(req, res, 201, { minted: { token, label: label || null } });
  });

  router.post('/scim/tokens/:id/revoke', async (req, res) => {
    await deps.tenants.revokeToken(auditContext(req), tenantOf(req).slug, 'scim', req.params.id);
    res.redirect(303, `${tenantPath(tenantOf(req).slug, 'scim')}?done=revoked`);
  });

  router.get('/people', async (req, res) => {
    const tenant = tenantOf(req);
    const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 200) : '';
    const page = { offset: 0, limit: PAGE_SIZE };
    const [people, teams] = await Promise.all([
      deps.directory.people(tenant.id, q, page),
      deps.directory.teams(tenant.id, q, page),
    ]);
    send(res, 200, peoplePage(frame(req), { slug: tenant.slug, q, people, teams, limit: PAGE_SIZE }));
  });

  router.get('/events', async (req, res) => {
    send(res, 200, eventsPage(frame(req), await deps.events.recent(tenantOf(req).slug, RECENT_EVENTS)));
  });
}

/** Origins the test sign-in's form may be redirected to: the IdP's (CSP form-action follows redirects). */
function testTargets(
  saml: { idp: { ssoUrl: string | null } } | null,
  oidc: { endpoints: { authorization: string } } | null,
) {
  const origins = [saml?.idp.ssoUrl, oidc?.endpoints.authorization]
    .filter((u): u is string => typeof u === 'string')
    .map((u) => URL.parse(u)?.origin)
    .filter((o): o is string => o !== undefined && o !== 'null');
  return [...new Set(origins)];
}
