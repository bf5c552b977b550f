import request from 'supertest';
import type { Harness } from '../../signin/support.ts';
import { APP_REDIRECT, pathOf, pkcePair } from '../../signin/support.ts';
import { exchangeCode, followToApp } from '../../signin/flow.ts';
import type { Agent } from '../../signin/flow.ts';

export interface OidcStarted {
  readonly agent: Agent;
  /** Where the company IdP sent the browser back (our callback, with code and state). */
  readonly callback: string;
  /** The authorization request we sent to the company IdP. */
  readonly idpRequest: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/**
 * The app sends the browser to /oauth/authorize; the gateway sends it on to the company IdP,
 * which signs the person in and redirects to our callback. `tamper` may change the request the
 * browser carries to the IdP. The IdP gets its own cookie jar (it is another site).
 */
export async function startOidcLogin(
  h: Harness,
  idpIssuer: string,
  params: Record<string, string>,
  tamper: (idpRequest: URL) => void = () => {},
): Promise<OidcStarted> {
  const agent = request.agent(h.base);
  const { verifier, challenge } = pkcePair();
  const state = `st-${Math.random().toString(36).slice(2)}`;
  const nonce = `n-${Math.random().toString(36).slice(2)}`;
  const authorize = await agent.get('/oauth/authorize').query({
    client_id: h.client.clientId,
    redirect_uri: APP_REDIRECT,
    response_type: 'code',
    scope: 'openid email profile groups',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  if (authorize.status !== 303)
    throw new Error(`authorize: ${authorize.status} ${authorize.text.slice(0, 300)}`);
  const interaction = await agent.get(pathOf(authorize.headers.location));
  if (interaction.status !== 303)
    throw new Error(`interaction: ${interaction.status} ${interaction.text.slice(0, 300)}`);
  const idpRequest = new URL(interaction.headers.location ?? '');
  if (idpRequest.origin !== idpIssuer) throw new Error(`not sent to the IdP: ${idpRequest.href}`);
  const sent = new URL(idpRequest.href);
  tamper(sent);
  const idp = request.agent(idpIssuer);
  let next = sent.href;
  for (let i = 0; i < 8; i += 1) {
    if (next.startsWith(`${h.base}/sso/`))
      return { agent, callback: next, idpRequest, verifier, state, nonce };
    const res = await idp.get(pathOf(next));
    if (res.status < 300 || res.status >= 400)
      throw new Error(`IdP ${next}: ${res.status} ${res.text.slice(0, 300)}`);
    next = new URL(res.headers.location ?? '', idpIssuer).href;
  }
  throw new Error('the IdP did not send the browser back');
}

/** The browser lands on our callback; on success, follows to the app and exchanges the code. */
export async function finishOidcLogin(h: Harness, flow: OidcStarted, callback = flow.callback) {
  const landed = await flow.agent.get(pathOf(callback));
  if (landed.status !== 303) return { landed, token: undefined };
  const query = await followToApp(flow.agent, landed.headers.location ?? '');
  const token = await exchangeCode(h, query.get('code') ?? '', flow.verifier);
  return { landed, token, query };
}

/** The code of the last `sso.login_rejected` event of a tenant. */
export async function lastRejection(h: Harness, slug: string): Promise<string | undefined> {
  return (await lastRejectionEvent(h, slug))?.code;
}

/** The data (`code`, `reason`, `reference`) of the last `sso.login_rejected` event of a tenant. */
export async function lastRejectionEvent(h: Harness, slug: string) {
  const tenant = await h.t.container.storage.tenants.getBySlug(slug);
  const events = await h.t.container.storage.audit.list(tenant!.id, null, 500);
  const rejected = events.filter((e) => e.type === 'sso.login_rejected');
  return rejected.at(-1)?.data as { code: string; reason: string; reference: string } | undefined;
}

/** A tenant signing in through `idp`: created with `domains`, JIT on, the OIDC connection saved. */
export async function connectOidcTenant(
  h: Harness,
  slug: string,
  domains: string[],
  idp: { readonly issuer: string; readonly clientId: string; readonly clientSecret: string },
): Promise<void> {
  await h.t.tenant(slug, { domains });
  const settings = await h
    .admin()
    .patch(`/admin/tenants/${slug}`)
    .set('Authorization', h.t.operator)
    .send({ settings: { jit: true } });
  if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${settings.text}`);
  const put = await h
    .admin()
    .put(`/admin/tenants/${slug}/oidc`)
    .set('Authorization', h.t.operator)
    .send({ issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret });
  if (put.status !== 200) throw new Error(`oidc connection: ${put.status} ${put.text}`);
}
