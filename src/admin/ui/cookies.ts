import type { IncomingMessage } from 'node:http';

/**
 * The admin page's cookies (docs/admin-ui.md#sessions). Over https they are `Secure` and carry
 * the `__Host-` prefix (RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain — so no sibling host can
 * set or shadow them); over plain http (local development only) neither is possible, and the
 * names lose the prefix.
 */
export interface CookieNames {
  /** The session id. */
  readonly session: string;
  /** The double-submit token of the forms shown before a session exists (sign-in, setup link). */
  readonly preSession: string;
  readonly secure: boolean;
}

export function cookieNames(publicUrl: string): CookieNames {
  const secure = publicUrl.startsWith('https:');
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}tg_ui`, preSession: `${prefix}tg_ui_form`, secure };
}

/** The value of cookie `name` on the request (the first, as RFC 6265 §5.4 orders them). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** A `Set-Cookie` value: HttpOnly and SameSite=Strict always, Secure on https; `maxAge` 0 clears it. */
export function cookie(names: CookieNames, name: string, value: string, maxAgeSeconds?: number): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (names.secure) parts.push('Secure');
  return parts.join('; ');
}
