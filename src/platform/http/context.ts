import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Actor } from '../actor.ts';

export type { Actor } from '../actor.ts';

/** Everything a request needs travels with it (no request state on shared objects). */
export interface RequestContext {
  readonly requestId: string;
  readonly log: Logger;
  actor: Actor | null;
  /** The tenant slug the request acts on, once known (for logs). */
  tenant: string | null;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();

export function ctx(req: IncomingMessage): RequestContext {
  const found = contexts.get(req);
  if (!found) throw new Error('request context missing: requestContext() must run first');
  return found;
}

// A caller's request id is echoed when it is a sane token, else we make our own.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Per request: the mount path as matched (`/admin/tenants/acme`) and as declared (`/admin/tenants/:slug`). */
const mounts = new WeakMap<IncomingMessage, { readonly actual: string; readonly pattern: string }>();

/** `req.baseUrl` with the parameters of labelled mounts put back as their names. */
function basePattern(req: Request, baseUrl: string): string {
  const mount = mounts.get(req);
  if (!mount || !baseUrl.startsWith(mount.actual)) return baseUrl;
  return mount.pattern + baseUrl.slice(mount.actual.length);
}

/**
 * First handler of a mount whose path has parameters (`router.use('/tenants/:slug', mountedAt('/tenants/:slug'), …)`):
 * Express gives routers the matched `baseUrl` (`/admin/tenants/acme`), and a label built from it
 * would carry every tenant's slug. This remembers the declared path, so labels show the template.
 */
export function mountedAt(path: string) {
  const depth = path.split('/').filter(Boolean).length;
  return (req: Request, _res: Response, next: NextFunction): void => {
    const segments = req.baseUrl.split('/');
    const parent = segments.slice(0, segments.length - depth).join('/');
    mounts.set(req, { actual: req.baseUrl, pattern: basePattern(req, parent) + path });
    next();
  };
}

function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${basePattern(req, req.baseUrl)}${route.path}`;
  return 'unmatched';
}

/** The child logger is made on first use: most requests log one line, at the end, or none. */
function createContext(log: Logger, requestId: string): RequestContext {
  let child: Logger | undefined;
  return {
    requestId,
    get log() {
      child ??= log.child({ requestId });
      return child;
    },
    actor: null,
    tenant: null,
  };
}

const accessLoggers = new WeakMap<Logger, Logger>();

/**
 * The access line's logger: the line has a fixed set of fields that never hold a secret (the path
 * without its query, the route template, status, timing, tenant slug, actor id), so it skips the
 * redaction every other line goes through, which costs pino about 25 µs a line.
 */
function accessLogger(log: Logger): Logger {
  let access = accessLoggers.get(log);
  if (!access) {
    access = log.child({}, { redact: [] });
    accessLoggers.set(log, access);
  }
  return access;
}

/**
 * Request id in and out, a child logger, one access-log line and metrics per request, on Node's
 * own request/response (the SCIM surface runs without Express). `route` names the route template
 * for labels once the request is answered.
 */
export function beginRequest(
  log: Logger,
  metrics: Metrics,
  req: IncomingMessage,
  res: ServerResponse,
  route: () => string,
  options: {
    sendsRequestId?: boolean;
    /** Called once the response is sent, with its status and duration (the SCIM request log). */
    onFinish?: (status: number, seconds: number) => void;
  } = {},
): RequestContext {
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const context = createContext(log, requestId);
  contexts.set(req, context);
  // A handler that writes its headers in one writeHead call (SCIM) sends the id itself.
  if (!options.sendsRequestId) res.setHeader('X-Request-Id', requestId);
  // Routers rewrite req.url while they dispatch; the log shows the path as it came in.
  const url = req.url ?? '';
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const labels = { method: req.method ?? '', route: route(), status: String(res.statusCode) };
    metrics.observeRequest(labels.method, labels.route, labels.status, seconds);
    options.onFinish?.(res.statusCode, seconds);
    if (!log.isLevelEnabled('info')) return;
    accessLogger(log).info(
      {
        requestId,
        method: req.method,
        // Never the query (codes, state).
        path: url.split('?')[0],
        route: labels.route,
        status: res.statusCode,
        ms: Math.round(seconds * 1e6) / 1e3,
        tenant: context.tenant ?? undefined,
        actor: context.actor ?? undefined,
      },
      'request',
    );
  });
  return context;
}

/** `beginRequest` as Express middleware; routers see their paths relative to their mount, so labels use `req.route`. */
export function requestContext(log: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    beginRequest(log, metrics, req, res, () => routeLabel(req));
    next();
  };
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
