import type { NextFunction, Request, Response } from 'express';
import { NotFound, RateLimited, publicView } from '../errors.ts';
import { ctx } from './context.ts';

/** Admin/operations error body: `{"error": {"code", "message", "requestId"}}`. */
export function renderJsonError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const view = publicView(err);
  const context = ctx(req);
  if (view.status >= 500) context.log.error({ err }, 'request failed');
  else context.log.debug({ code: view.code, message: view.message }, 'request refused');
  if (res.headersSent) {
    res.end();
    return;
  }
  if (view.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  // The store is unavailable: service resumes by itself (RFC 9110 §10.2.3).
  if (view.status === 503) res.setHeader('Retry-After', '5');
  if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  res
    .status(view.status)
    .json({ error: { code: view.code, message: view.message, requestId: context.requestId } });
}

export function notFoundRoute(req: Request, _res: Response, next: NextFunction): void {
  next(new NotFound(`no route for ${req.method} ${req.path}`));
}
