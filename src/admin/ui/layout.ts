import { newSecret } from '../../platform/ids.ts';
import { html } from './html.ts';
import type { Html, Renderable } from './html.ts';

export type NavKey = 'sso' | 'scim' | 'people' | 'events' | 'setup-links';

/** What the page frame shows about who is signed in and where. */
export interface Frame {
  readonly title: string;
  /** The session's CSRF token (for the sign-out form); absent before sign-in. */
  readonly csrf?: string | undefined;
  /** Who is signed in, in words ("Operator", "Admin of Acme"). */
  readonly who?: string | undefined;
  readonly operator?: boolean;
  /** The tenant the page is about, and which of its pages this is. */
  readonly tenant?: { readonly slug: string; readonly name: string } | undefined;
  readonly active?: NavKey | undefined;
  /** Shown first in the main region (errors as `role=alert`). */
  readonly alert?: string | undefined;
  readonly notice?: string | undefined;
}

export const UI = '/admin/ui';
export const tenantPath = (slug: string, page: NavKey): string =>
  `${UI}/t/${encodeURIComponent(slug)}/${page}`;

const NAV: readonly { readonly key: NavKey; readonly label: string; readonly operatorOnly?: boolean }[] = [
  { key: 'sso', label: 'SSO' },
  { key: 'scim', label: 'SCIM' },
  { key: 'people', label: 'People and teams' },
  { key: 'events', label: 'Events' },
  { key: 'setup-links', label: 'Setup links', operatorOnly: true },
];

function nav(frame: Frame): Html {
  const tenant = frame.tenant;
  if (!tenant) return html``;
  const items = NAV.filter((item) => !item.operatorOnly || frame.operator).map(
    (item) =>
      html`<li>
        <a
          href="${tenantPath(tenant.slug, item.key)}"
          ${item.key === frame.active ? html` aria-current="page"` : ''}
          >${item.label}</a
        >
      </li>`,
  );
  return html`<nav aria-label="Tenant pages">
    <ul>
      ${items}${frame.operator ? html`<li><a href="${UI}/tenants">All tenants</a></li>` : ''}
    </ul>
  </nav>`;
}

/** A hidden CSRF field for a form of the signed-in session. */
export const csrfField = (token: string): Html => html`<input type="hidden" name="_csrf" value="${token}" />`;

/** A form that creates something shown once carries a one-time value: a resubmission creates nothing. */
export const onceField = (): Html => html`<input type="hidden" name="_once" value="${newSecret(18)}" />`;

function header(frame: Frame): Html {
  const signOut = frame.csrf
    ? html`<form class="inline" method="post" action="${UI}/sign-out">
        ${csrfField(frame.csrf)}<button type="submit">Sign out</button>
      </form>`
    : '';
  const who = frame.who ? html`<span class="who">${frame.who}</span>` : '';
  return html`<header>
    <a class="brand" href="${UI}">Trustgate admin</a>${who}${nav(frame)}${signOut}
  </header>`;
}

/** The whole document: one stylesheet, one script, no inline script or style (the page CSP forbids both). */
export function page(frame: Frame, body: Renderable): Html {
  const title = frame.tenant ? `${frame.title} · ${frame.tenant.name}` : frame.title;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Trustgate</title>
        <link rel="stylesheet" href="${UI}/assets/ui.css" />
        <script src="${UI}/assets/ui.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header(frame)}
        <main id="main" tabindex="-1">
          ${frame.alert ? html`<div class="alert" role="alert">${frame.alert}</div>` : ''}
          ${frame.notice ? html`<div class="notice" role="status">${frame.notice}</div>` : ''} ${body}
        </main>
      </body>
    </html>`;
}

/** A value to paste elsewhere, with a copy button (shown by ui.js when the clipboard is available). */
export function copyable(id: string, value: string, label: string): Html {
  return html`<code id="${id}">${value}</code
    ><button type="button" class="copy secondary" data-copy="${id}" hidden aria-label="Copy ${label}">
      Copy
    </button>`;
}

/** `2026-11-27 15:00 UTC`: readable, unambiguous. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
