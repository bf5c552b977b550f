import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

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

/** Renders the branded sign-in error page with its own strict CSP (inline style only). */
export function sendErrorPage(res: Response, status: number, page: ErrorPage): void {
  res
    .status(status)
    .set(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    )
    .set('Cache-Control', 'no-store')
    .type('html')
    .send(errorPageHtml(page));
}
