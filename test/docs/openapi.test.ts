/**
 * docs/openapi.yaml against the app: every documented operation reaches a route (it is not the
 * catch-all JSON 404, nor SCIM's "no SCIM endpoint"), and every admin route the Express routers
 * declare, and every SCIM endpoint, is documented. `npm run lint:openapi` validates the file itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { parse } from 'yaml';
import { ROUTES as SCIM_ROUTES } from '../../src/scim/dispatch.ts';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';
import { appRoutes, capturingExpressApps, toOpenApiPath } from '../support/routes.ts';
import type { DeclaredRoute } from '../support/routes.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Spec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const spec = parse(readFileSync('docs/openapi.yaml', 'utf8')) as Spec;
const documented: DeclaredRoute[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  METHODS.filter((method) => method in item).map((method) => ({ method: method.toUpperCase(), path })),
);
const key = (route: DeclaredRoute) => `${route.method} ${route.path}`;

describe('docs/openapi.yaml', () => {
  let app: TestApp;
  let declared: DeclaredRoute[];
  let slug: string;
  let scimToken: string;

  before(async () => {
    const { result, apps } = await capturingExpressApps(() => startTestApp());
    app = result;
    declared = apps.flatMap(appRoutes);
    ({ slug, scimToken } = await app.tenant('openapi-check'));
  });
  after(() => app.close());

  it('documents every admin route the routers declare', () => {
    // The admin page's HTML routes (/admin/ui, docs/admin-ui.md) are not the JSON API, so not in the
    // OpenAPI description; test/ui/routes.test.ts walks them for authorization and CSRF instead.
    const admin = declared.filter(
      (route) => route.path.startsWith('/admin/') && !route.path.startsWith('/admin/ui'),
    );
    assert.ok(
      declared.some((route) => route.path.startsWith('/admin/ui/')),
      'the admin page routes were found, and left out on purpose',
    );
    assert.ok(admin.length >= 15, `only ${admin.length} admin routes found: is the router walk broken?`);
    const paths = new Set(documented.map(key));
    const missing = admin
      .map((route) => ({ ...route, path: toOpenApiPath(route.path) }))
      .filter((r) => !paths.has(key(r)));
    assert.deepEqual(missing.map(key), [], 'admin routes missing from docs/openapi.yaml');
  });

  it('documents every SCIM endpoint', () => {
    const paths = new Set(documented.map(key));
    const missing = SCIM_ROUTES.map((route) => ({
      method: route.method,
      path: `/scim/v2/{slug}${toOpenApiPath(route.path)}`,
    }))
      // Single resource types and schemas by id are part of discovery, listed with their collections.
      .filter((route) => !/\/(ResourceTypes|Schemas)\/\{id\}$/.test(route.path))
      .filter((route) => !paths.has(key(route)));
    assert.deepEqual(missing.map(key), [], 'SCIM endpoints missing from docs/openapi.yaml');
  });

  it('names only routes that exist', async () => {
    const unrouted: string[] = [];
    const unchecked: string[] = [];
    // Deletes last: `DELETE /admin/tenants/{slug}` would end the tenant the other probes use.
    const order = (r: DeclaredRoute) =>
      r.method !== 'DELETE' ? 0 : r.path === '/admin/tenants/{slug}' ? 2 : 1;
    const probes = [...documented].sort((a, b) => order(a) - order(b));
    for (const route of probes) {
      const url = route.path.replace('{slug}', slug).replace(/\{\w+\}/g, 'does-not-exist');
      const auth = route.path.startsWith('/admin/')
        ? app.operator
        : route.path.startsWith('/scim/')
          ? `Bearer ${scimToken}`
          : undefined;
      let req = request(app.app)[route.method.toLowerCase() as Lowercase<(typeof METHODS)[number]>](url);
      if (auth) req = req.set('Authorization', auth);
      const res = await req.redirects(0);
      const body: unknown = res.body;
      const text = `${JSON.stringify(body)} ${res.text}`;
      // The app's catch-all (platform/http/json-errors.ts) and SCIM's no-endpoint answer.
      if (res.status === 404 && /no route for|no SCIM endpoint/.test(text)) unrouted.push(key(route));
      // Refused credentials hide whether a route exists (SCIM authenticates first).
      if (auth && res.status === 401) unchecked.push(key(route));
    }
    assert.deepEqual(unrouted, [], 'documented in docs/openapi.yaml but not routed');
    assert.deepEqual(unchecked, [], 'probes refused as unauthenticated');
  });
});
