import request from 'supertest';
import type { Test } from 'supertest';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export interface Scim {
  readonly app: TestApp;
  readonly slug: string;
  get(path: string): Test;
  post(path: string, body: unknown): Test;
  put(path: string, body: unknown): Test;
  patch(path: string, body: unknown): Test;
  del(path: string): Test;
}

/** A SCIM client for one tenant of a running test app. */
export async function scimClient(app: TestApp, slug: string): Promise<Scim> {
  const { scimToken } = await app.tenant(slug);
  const auth = `Bearer ${scimToken}`;
  const base = `/scim/v2/${slug}`;
  const withBody = (t: Test, body: unknown) =>
    t
      .set('Authorization', auth)
      .set('Content-Type', 'application/scim+json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    app,
    slug,
    get: (path) =>
      request(app.app)
        .get(base + path)
        .set('Authorization', auth),
    post: (path, body) => withBody(request(app.app).post(base + path), body),
    put: (path, body) => withBody(request(app.app).put(base + path), body),
    patch: (path, body) => withBody(request(app.app).patch(base + path), body),
    del: (path) =>
      request(app.app)
        .delete(base + path)
        .set('Authorization', auth),
  };
}

export const patchBody = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

export function userBody(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER],
    userName,
    name: { givenName: 'Test', familyName: userName },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  };
}

export { startTestApp };
export type { TestApp };
