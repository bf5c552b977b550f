/** Helpers of the admin page's tests: a cookie-keeping agent that signs in as a browser would. */
import request from 'supertest';
import type { App } from '../../src/app.ts';

export const ORIGIN = 'http://127.0.0.1:3000';

/** The `_csrf` value of the first form on the page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no CSRF field in ${html.slice(0, 300)}`);
  return match[1];
}

/** The one-time value of the page's creating form (a token or link shown once). */
export function onceOf(html: string): string {
  const match = /name="_once" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no one-time field on the page');
  return match[1];
}

export interface Browser {
  readonly agent: ReturnType<typeof request.agent>;
  /** A same-origin form post with the page's CSRF token. */
  post(path: string, fields: Record<string, string>, csrf: string): request.Test;
  /** GET, and the page's CSRF token (for the next post). */
  page(
    path: string,
  ): Promise<{ status: number; text: string; headers: Record<string, string>; csrf: string | undefined }>;
}

/** `app` in-process, or the URL of a listening gateway; `origin` is the gateway's public URL. */
export function browser(app: App | string, origin = ORIGIN): Browser {
  const agent = request.agent(app);
  return {
    agent,
    post: (path, fields, csrf) =>
      agent
        .post(path)
        .set('Origin', origin)
        .set('Sec-Fetch-Site', 'same-origin')
        .type('form')
        .send({ ...fields, _csrf: csrf }),
    async page(path) {
      const res = await agent.get(path);
      const match = /name="_csrf" value="([^"]+)"/.exec(res.text);
      return {
        status: res.status,
        text: res.text,
        headers: res.headers,
        csrf: match?.[1],
      };
    },
  };
}

/** Signs in with a key or token; returns the session's CSRF token and where sign-in led. */
export async function signIn(b: Browser, credential: string): Promise<{ csrf: string; location: string }> {
  const form = await b.page('/admin/ui/sign-in');
  const res = await b.post('/admin/ui/sign-in', { credential }, form.csrf ?? '');
  if (res.status !== 303) throw new Error(`sign-in: ${res.status} ${res.text.slice(0, 500)}`);
  const location = res.headers.location ?? '';
  const landed = await b.page(location);
  return { csrf: landed.csrf ?? '', location };
}

export async function mintAdminToken(
  app: App,
  operator: string,
  slug: string,
): Promise<{ id: string; token: string }> {
  const res = await request(app)
    .post(`/admin/tenants/${slug}/admin-tokens`)
    .set('Authorization', operator)
    .send({});
  if (res.status !== 201) throw new Error(`admin token: ${res.status}`);
  return res.body as { id: string; token: string };
}
