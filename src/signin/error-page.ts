import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { publicView } from '../platform/errors.ts';
import { ctx } from '../platform/http/context.ts';
import { SignInRejected } from './rejection.ts';

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** A reference id people can quote to support; the same id is in the audit event and the log. */
export const newReference = (): string => randomUUID().slice(0, 13).replace('-', '').toUpperCase();

export interface ErrorPage {
  readonly title: string;
  /** Safe for people to read: never XML, a stack trace or a validation detail an attacker could use. */
  readonly message: string;
  readonly reference: string;
  /** Where "back to the application" goes (an OAuth error redirect), when the flow allows it. */
  readonly continueUrl?: string | undefined;
}

export function errorPageHtml(page: ErrorPage): string {
  const back = page.continueUrl
    ? `<p><a class="button" href="${escapeHtml(page.continueUrl)}">Back to the application</a></p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(page.title)} · Trustgate</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.4rem}.ref{color:#52606d;font-size:.9rem}.button{display:inline-block;padding:.5rem 1rem;background:#1f4fd1;color:#fff;border-radius:4px;text-decoration:none}</style>
</head><body><p><strong>Trustgate</strong></p><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p>${back}
<p class="ref">Reference: <code>${escapeHtml(page.reference)}</code></p></body></html>`;
}

/**
 * The one CSP of every HTML page the gateway renders (this page, on every sign-in surface and
 * the OpenID Provider's errors): nothing loads, nothing runs, only the inline style applies.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
};

/** Renders the branded sign-in error page. */
export function sendErrorPage(res: Response, status: number, page: ErrorPage): void {
  res.status(status).set(PAGE_HEADERS).type('html').send(errorPageHtml(page));
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Sign-in could not continue',
  403: 'Sign-in was refused',
  404: 'Not found',
  413: 'Sign-in could not continue',
};

/**
 * The sign-in surfaces' error renderer: the status comes from the error (a 413 from the form
 * parser stays a 413); the detail of a 5xx is logged under the reference, never shown.
 */
export function renderSignInError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const view = publicView(err);
  const reference = newReference();
  const log = ctx(req).log;
  if (view.status >= 500) log.error({ err, reference }, 'sign-in failed');
  else log.info({ code: view.code, reason: view.message, reference }, 'sign-in request refused');
  if (res.headersSent) return void res.end();
  if (view.status === 503) res.setHeader('Retry-After', '5');
  sendErrorPage(res, view.status, {
    title: TITLES[view.status] ?? (view.status >= 500 ? 'Sign-in failed' : 'Sign-in could not continue'),
    message:
      view.status >= 500
        ? 'Something went wrong on our side.'
        : err instanceof SignInRejected
          ? err.publicMessage
          : view.message,
    reference,
  });
}
