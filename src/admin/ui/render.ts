import { RateLimited } from '../../platform/errors.ts';
import type { NextFunction, Request, Response } from 'express';
import { publicView } from '../../platform/errors.ts';
import { ctx } from '../../platform/http/context.ts';
import { documentText } from './html.ts';
import type { Html } from './html.ts';
import { isOperator, sessionOf } from './access.ts';
import type { Frame } from './layout.ts';
import { errorPage } from './pages/error.ts';

/**
 * The admin page's one CSP (docs/admin-ui.md#security): scripts and styles only from our own
 * files (no inline script, no inline style), forms only to ourselves, never framed.
 * `formTargets` adds origins a form may lead to (the test sign-in's redirect to the IdP).
 */
export function pageCsp(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'none'",
    ['form-action', "'self'", ...formTargets].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function send(res: Response, status: number, doc: Html, formTargets: readonly string[] = []): void {
  res
    .status(status)
    .set({
      'Content-Security-Policy': pageCsp(formTargets),
      'Cache-Control': 'no-store',
      // Our own origin still gets `Origin` on posts (no-referrer would send `Origin: null`);
      // other sites get no referrer at all.
      'Referrer-Policy': 'same-origin',
    })
    .type('html')
    .send(documentText(doc));
}

/** Who is signed in and where: the frame of a page of this request. */
export function frameOf(req: Request, tenant?: { readonly slug: string; readonly name: string }) {
  const session = sessionOf(req);
  if (!session) return {} satisfies Omit<Frame, 'title'>;
  const p = session.principal;
  const who =
    p.kind === 'operator'
      ? 'Operator'
      : p.kind === 'tenant_admin'
        ? `Admin of ${p.slug}`
        : `Invited admin of ${p.slug}`;
  return { csrf: session.csrf, who, operator: isOperator(session), tenant } satisfies Omit<Frame, 'title'>;
}

/**
 * The admin page's error renderer: every refusal is a page with its status (400, 403, 404, 413,
 * 415), never JSON or a stack trace; the detail of a 5xx is logged under the request id only.
 */
export function renderUiError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const view = publicView(err);
  const context = ctx(req);
  if (view.status >= 500) context.log.error({ err }, 'admin page failed');
  else context.log.info({ code: view.code, reason: view.message }, 'admin page request refused');
  if (res.headersSent) return void res.end();
  if (view.status === 503) res.setHeader('Retry-After', '5');
  if (err instanceof RateLimited) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  const message = view.status >= 500 ? 'Something went wrong on our side. Try again later.' : view.message;
  send(res, view.status, errorPage(view.status, message, context.requestId, frameOf(req)));
}
