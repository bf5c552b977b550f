/**
 * `/scim/v2/{slug}/…` on Node's own request and response, without Express. Identity providers
 * provision in bursts of small requests, and Express's per-request work (prototype swaps, a walk
 * through every router layer, body-parser) cost more than a SCIM lookup itself (ADR 0027). The
 * edge stays the same as everywhere else: request id, access log and metrics (`beginRequest`),
 * helmet's headers (`securityHeaders`), the body limit, JSON with `__proto__` refused, and every
 * error in the RFC 7644 §3.12 shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { byteCount } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { TokenAuthenticator } from '../tenants/tokens.ts';
import type { TenantLimits } from '../tenants/rate-limits.ts';
import type { ScimLogError, Tenant, TenantId } from '../storage/ports.ts';
import { RateLimited, Unauthorized } from '../platform/errors.ts';
import type { SurfaceLimits } from '../platform/rate-limit.ts';
import { clientAddress } from '../platform/http/client-address.ts';
import type { ScimRequestRecord } from '../scim-log/buffer.ts';
import { beginRequest, bearerToken } from '../platform/http/context.ts';
import type { RequestContext } from '../platform/http/context.ts';
import { readJsonBody } from '../platform/http/json-body.ts';
import { securityHeaders } from '../platform/http/security-headers.ts';
import { bulk } from './bulk.ts';
import type { ScimInput, ScimResult, ScimScope, ScimServices } from './core.ts';
import { ROUTES, routeMatcher } from './dispatch.ts';
import type { Call, Route } from './dispatch.ts';
import { MethodNotAllowed, ScimError, scimErrorView } from './errors.ts';

const SCIM_PREFIX = '/scim/v2/';
const SCIM_JSON = 'application/scim+json; charset=utf-8';
const ACCEPTED_BODIES = ['application/scim+json', 'application/json'] as const;
/** When the store is unavailable (503): how soon an IdP may retry (RFC 9110 §10.2.3). */
const RETRY_AFTER_SECONDS = '5';

/** Whether a request URL belongs to the SCIM surface (the prefix matches case-insensitively, as routes did). */
export function isScimUrl(url: string): boolean {
  return url.length > SCIM_PREFIX.length && url.slice(0, SCIM_PREFIX.length).toLowerCase() === SCIM_PREFIX;
}

/**
 * SCIM lockouts are kept per tenant URL: identity providers send from shared egress addresses,
 * and failures against one tenant must not lock every tenant's provisioning out. A slug that is
 * not one (any string can be sent) is folded into one scope, so it cannot mint keys.
 */
function lockoutScope(slug: string): string {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(slug) ? slug : '~';
}

const BULK_ROUTE: Route = { method: 'POST', operation: 'bulk', path: '/Bulk', handle: bulk };
const match = routeMatcher([...ROUTES, BULK_ROUTE]);

function decodedSlug(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ScimError(400, undefined, 'malformed percent-encoding in the path');
  }
}

/** Query parameters, the first value of each (a repeated parameter does not become a list). */
function firstValues(query: string): Record<string, string | undefined> {
  // No prototype: a parameter named like an Object method is a parameter like any other.
  const out = Object.create(null) as Record<string, string | undefined>;
  for (const [key, value] of new URLSearchParams(query)) out[key] ??= value;
  return out;
}

export interface ScimHandlerDeps {
  readonly publicUrl: string;
  readonly bodyLimit: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly tokens: TokenAuthenticator;
  readonly services: ScimServices;
  /** Request limits and lockout (docs/decisions/0090-rate-limits.md), and how to read the client address. */
  readonly limits: {
    readonly surface: SurfaceLimits;
    readonly of: (tenant: Tenant) => TenantLimits;
    readonly trustProxy: boolean;
  };
  /** The SCIM request log (docs/admin-api.md): handed each answered request of a known tenant. */
  readonly requestLog?: { record(entry: ScimRequestRecord): void };
}

/** What the request log needs to know of a request, filled in as the request is served. */
interface Logged {
  tenantId: TenantId | null;
  body: unknown;
  bodyBytes: number;
  /** The SCIM error body's `scimType` and `detail`, set where it is sent; null otherwise. */
  error: ScimLogError | null;
}

/** The SCIM request handler; `isScimUrl` decides which requests reach it. */
export function createScimHandler(
  deps: ScimHandlerDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { log, metrics, tokens, services: svc } = deps;
  const maxPayloadSize = byteCount(deps.bodyLimit);
  const baseHeaders = securityHeaders();

  // One writeHead with every header (nothing set before it): Node's fast path for headers.
  const send = (
    res: ServerResponse,
    context: RequestContext,
    status: number,
    body: string | undefined,
    extra: string[],
  ) => {
    const headers = [...baseHeaders, 'X-Request-Id', context.requestId, ...extra];
    // A response without content (204, 304) has no media type (RFC 9110 §8.3).
    if (body !== undefined)
      headers.push('Content-Type', SCIM_JSON, 'Content-Length', String(Buffer.byteLength(body)));
    res.writeHead(status, headers);
    res.end(body);
  };

  const sendResult = (res: ServerResponse, context: RequestContext, result: ScimResult) => {
    const extra: string[] = [];
    if (result.etag) extra.push('ETag', result.etag);
    if (result.location && result.status === 201) extra.push('Location', result.location);
    const empty = result.body === undefined || result.status === 204 || result.status === 304;
    send(res, context, result.status, empty ? undefined : JSON.stringify(result.body), extra);
  };

  const sendError = (res: ServerResponse, context: RequestContext, err: unknown, logged: Logged) => {
    const view = scimErrorView(err);
    if (Number(view.status) >= 500) context.log.error({ err }, 'SCIM request failed');
    if (res.headersSent) return void res.end();
    // Only here, for the request log (the 2xx path keeps its null): what the client is told.
    logged.error = { scimType: view.scimType ?? null, detail: view.detail };
    const extra =
      view.status === '401'
        ? ['WWW-Authenticate', 'Bearer realm="scim"']
        : view.status === '503'
          ? ['Retry-After', RETRY_AFTER_SECONDS]
          : [];
    if (err instanceof MethodNotAllowed) extra.push('Allow', err.allow.join(', '));
    if (err instanceof RateLimited) extra.push('Retry-After', String(err.retryAfterSeconds));
    send(res, context, Number(view.status), JSON.stringify(view), extra);
  };

  // Lockout before the credential is looked at (the same answer for every token), then one
  // request counted in memory against the token and the address (no store write here).
  const { limits } = deps;
  const authenticate = async (req: IncomingMessage, slug: string) => {
    const address = clientAddress(req, limits.trustProxy);
    const scope = lockoutScope(slug);
    await limits.surface.checkLockout(address, scope);
    const bearer = bearerToken(req);
    let authenticated;
    try {
      authenticated = await tokens.authenticate('scim', bearer, slug);
    } catch (err) {
      // Only a presented credential is a guess; a request without one is not counted.
      if (err instanceof Unauthorized && bearer !== undefined) await limits.surface.failed(address, scope);
      throw err;
    }
    const { scimPerToken, scimPerAddress } = limits.of(authenticated.tenant);
    limits.surface.admit(
      authenticated.token.id,
      scimPerToken,
      `${authenticated.tenant.id}:${address}`,
      scimPerAddress,
    );
    return authenticated;
  };

  const serve = async (
    req: IncomingMessage,
    res: ServerResponse,
    context: RequestContext,
    routeFound: (route: Route) => void,
    logged: Logged,
  ) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = url.slice(SCIM_PREFIX.length, q === -1 ? undefined : q);
    const slash = path.indexOf('/');
    const slug = decodedSlug(slash === -1 ? path : path.slice(0, slash));
    const rest = slash === -1 ? '/' : path.slice(slash);

    // Authentication first: an unknown endpoint is a 404 only to a caller of this tenant.
    const { token, tenant } = await authenticate(req, slug);
    if (tenant.status === 'disabled') throw new ScimError(403, undefined, 'this tenant is disabled');
    context.actor = { type: 'scim_token', id: token.id };
    context.tenant = slug;
    logged.tenantId = tenant.id;

    const { route, params } = match(req.method === 'HEAD' ? 'GET' : (req.method ?? ''), rest);
    routeFound(route);
    const input: ScimInput = {
      query: q === -1 ? {} : firstValues(url.slice(q + 1)),
      body: route.method === 'GET' ? undefined : await readJsonBody(req, maxPayloadSize, ACCEPTED_BODIES),
      ifMatch: req.headers['if-match'],
      ifNoneMatch: req.headers['if-none-match'],
    };
    logged.body = input.body;
    if (input.body !== undefined) logged.bodyBytes = Number(req.headers['content-length']) || maxPayloadSize;
    const scope: ScimScope = {
      tenant,
      audit: { requestId: context.requestId, actor: context.actor },
      baseUrl: `${deps.publicUrl}/scim/v2/${encodeURIComponent(slug)}`,
    };
    const call: Call = { svc, scope, params, input, maxPayloadSize };
    sendResult(res, context, await route.handle(call));
  };

  const { requestLog } = deps;
  return (req, res) => {
    let routeLabel = 'unmatched';
    // `none`: answered before an endpoint was chosen (no or a bad token, a disabled tenant, no such path).
    let operation = 'none';
    const logged: Logged = { tenantId: null, body: undefined, bodyBytes: 0, error: null };
    const onFinish = (status: number, seconds: number) => {
      metrics.observeScim(operation, String(status));
      // Only requests that authenticated as a tenant: an unauthenticated caller writes nothing.
      if (requestLog) logRequest(status, seconds);
    };
    const logRequest = requestLog
      ? (status: number, seconds: number) => {
          if (logged.tenantId === null) return;
          const url = req.url ?? '';
          const q = url.indexOf('?');
          requestLog.record({
            tenantId: logged.tenantId,
            method: req.method ?? '',
            path: q === -1 ? url : url.slice(0, q),
            status,
            durationMs: Math.round(seconds * 1e6) / 1e3,
            tokenId: context.actor?.id ?? null,
            requestId: context.requestId,
            body: logged.body,
            bodyBytes: logged.bodyBytes,
            error: logged.error,
          });
        }
      : () => undefined;
    const context = beginRequest(log, metrics, req, res, () => routeLabel, {
      sendsRequestId: true,
      onFinish,
    });
    serve(
      req,
      res,
      context,
      (route) => {
        routeLabel = `/scim/v2/:slug${route.path}`;
        operation = route.operation;
      },
      logged,
    ).catch((err: unknown) => {
      sendError(res, context, err, logged);
    });
  };
}
