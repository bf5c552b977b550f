import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { ActorType } from '../../storage/ports.ts';

export interface Actor {
  readonly type: ActorType;
  readonly id: string | null;
}

/** Everything a request needs travels with it (no request state on shared objects). */
export interface RequestContext {
  readonly requestId: string;
  readonly log: Logger;
  actor: Actor | null;
  /** The tenant slug the request acts on, once known (for logs). */
  tenant: string | null;
}

const contexts = new WeakMap<Request, RequestContext>();

export function ctx(req: Request): RequestContext {
  const found = contexts.get(req);
  if (!found) throw new Error('request context missing: requestContext() must run first');
  return found;
}

// A caller's request id is echoed when it is a sane token, else we make our own.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
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

/** Request id in and out, a child logger, one access-log line and metrics per request. */
export function requestContext(log: Logger, metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const context = createContext(log, requestId);
    contexts.set(req, context);
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      if (!log.isLevelEnabled('info')) return;
      context.log.info(
        {
          method: req.method,
          // The full path (routers see theirs relative to their mount); never the query (codes, state).
          path: req.originalUrl.split('?')[0],
          route: labels.route,
          status: res.statusCode,
          ms: Math.round(seconds * 1e6) / 1e3,
          tenant: context.tenant ?? undefined,
          actor: context.actor ?? undefined,
        },
        'request',
      );
    });
    next();
  };
}

export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match?.[1];
}
