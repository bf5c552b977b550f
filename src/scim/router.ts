import express from 'express';
import { refuseProtoKeys } from '../platform/http/json.ts';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Container } from '../container.ts';
import { byteCount } from '../platform/config.ts';
import { createAccountService } from '../directory/accounts.ts';
import { createTeamService } from '../directory/teams.ts';
import { bearerToken, ctx } from '../platform/http/context.ts';
import { bulk } from './bulk.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { ROUTES } from './dispatch.ts';
import type { Call, Route } from './dispatch.ts';
import { ScimError, scimErrorView } from './errors.ts';

const SCIM_JSON = 'application/scim+json; charset=utf-8';

function send(res: Response, result: ScimResult): void {
  res.status(result.status).type(SCIM_JSON);
  if (result.etag) res.setHeader('ETag', result.etag);
  if (result.location && result.status === 201) res.setHeader('Location', result.location);
  if (result.body === undefined || result.status === 204 || result.status === 304) res.end();
  else res.send(JSON.stringify(result.body));
}

function queryOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

function inputOf(req: Request): ScimInput {
  return {
    query: queryOf(req),
    body: req.body as unknown,
    ifMatch: req.get('if-match'),
    ifNoneMatch: req.get('if-none-match'),
  };
}

/** `/scim/v2/{slug}` (RFC 7644): bearer SCIM token of that tenant, then the endpoint table. */
export function createScimRouter(container: Container): Router {
  const svc: ScimServices = {
    storage: container.storage,
    accounts: createAccountService(container.storage, container.sessions),
    teams: createTeamService(container.storage),
  };
  const maxPayloadSize = byteCount(container.config.bodyLimit);
  const router = express.Router({ mergeParams: true });

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const slug = (req.params as { slug?: string }).slug ?? '';
    const { token, tenant } = await container.tokens.authenticate('scim', bearerToken(req), slug);
    if (tenant.status === 'disabled') throw new ScimError(403, undefined, 'this tenant is disabled');
    const context = ctx(req);
    context.actor = { type: 'scim_token', id: token.id };
    context.tenant = slug;
    const scope: ScimScope = {
      tenant,
      audit: { requestId: context.requestId, actor: context.actor },
      baseUrl: `${container.config.publicUrl}/scim/v2/${encodeURIComponent(slug)}`,
    };
    res.locals.scimScope = scope;
    next();
  });
  router.use(
    express.json({
      type: ['application/scim+json', 'application/json'],
      limit: container.config.bodyLimit,
      reviver: refuseProtoKeys,
    }),
  );

  const mount = (route: Route) => async (req: Request, res: Response) => {
    const call: Call = {
      svc,
      scope: res.locals.scimScope as ScimScope,
      params: req.params as Record<string, string>,
      input: inputOf(req),
      maxPayloadSize,
    };
    send(res, await route.handle(call));
  };
  for (const route of ROUTES)
    router[route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](
      route.path,
      mount(route),
    );
  router.post('/Bulk', mount({ method: 'POST', path: '/Bulk', handle: bulk }));

  router.use((req: Request) => {
    throw new ScimError(404, undefined, `no SCIM endpoint ${req.method} ${req.path}`);
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const view = scimErrorView(err);
    const context = ctx(req);
    if (Number(view.status) >= 500) context.log.error({ err }, 'SCIM request failed');
    if (res.headersSent) return void res.end();
    if (view.status === '401') res.setHeader('WWW-Authenticate', 'Bearer realm="scim"');
    res.status(Number(view.status)).type(SCIM_JSON).send(JSON.stringify(view));
  });
  return router;
}
