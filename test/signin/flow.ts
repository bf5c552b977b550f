import request from 'supertest';
import type { Harness } from './support.ts';
import { APP_REDIRECT, authnRequestId, pathOf, pkcePair, samlIdp } from './support.ts';
import { samlResponse } from '../connections/saml/saml-response.ts';
import type { ResponseValues } from '../connections/saml/saml-response.ts';

export type Agent = ReturnType<typeof request.agent>;

export interface Started {
  readonly agent: Agent;
  readonly requestId: string;
  readonly relayState: string;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

/** The app sends the browser to /oauth/authorize; we follow to the IdP's SSO URL. */
export async function startLogin(
  h: Harness,
  params: Record<string, string> = { tenant: 'acme' },
  agent = request.agent(h.base),
): Promise<Started> {
  const { verifier, challenge } = pkcePair();
  const state = `st-${Math.random().toString(36).slice(2)}`;
  const nonce = `n-${Math.random().toString(36).slice(2)}`;
  const authorize = await agent.get('/oauth/authorize').query({
    client_id: h.client.clientId,
    redirect_uri: APP_REDIRECT,
    response_type: 'code',
    scope: params.scope ?? 'openid email profile groups',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...params,
  });
  if (authorize.status !== 303 && authorize.status !== 302)
    throw new Error(`authorize: ${authorize.status} ${authorize.text.slice(0, 300)}`);
  const interaction = await agent.get(pathOf(authorize.headers.location));
  if (interaction.status !== 303)
    throw new Error(`interaction: ${interaction.status} ${interaction.text.slice(0, 300)}`);
  const location = interaction.headers.location;
  if (!location.startsWith('https://idp.test/sso')) throw new Error(`not sent to the IdP: ${location}`);
  const { id, relayState } = authnRequestId(location);
  return { agent, requestId: id, relayState, verifier, state, nonce };
}

/** Posts the IdP's response to the ACS (as the browser's auto-submitted form would). */
export function postAcs(agent: Agent, samlResponse: string, relayState?: string) {
  return agent
    .post('/sso/acme/saml/acs')
    .type('form')
    .send({ SAMLResponse: samlResponse, ...(relayState !== undefined ? { RelayState: relayState } : {}) });
}

/** Follows same-site redirects until the app's redirect URI; returns its query. */
export async function followToApp(agent: Agent, location: string): Promise<URLSearchParams> {
  let next = location;
  for (let i = 0; i < 6; i += 1) {
    if (next.startsWith(APP_REDIRECT)) return new URL(next).searchParams;
    const res = await agent.get(pathOf(next));
    if (res.status < 300 || res.status >= 400)
      throw new Error(`${next}: ${res.status} ${res.text.slice(0, 400)}`);
    next = res.headers.location;
  }
  throw new Error('too many redirects');
}

export async function exchangeCode(h: Harness, code: string, verifier: string) {
  return request(h.base)
    .post('/oauth/token')
    .auth(h.client.clientId, h.client.clientSecret)
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, code_verifier: verifier });
}

/** The whole flow for one person; `token` is the token endpoint's answer when the ACS let them in. */
export async function signIn(
  h: Harness,
  values: ResponseValues = {},
  params: Record<string, string> = { tenant: 'acme' },
  agent?: Agent,
) {
  const flow = await startLogin(h, params, agent);
  const response = await samlResponse(h, samlIdp(h.idpKeys), { inResponseTo: flow.requestId, ...values });
  const acs = await postAcs(flow.agent, response, flow.relayState);
  if (acs.status !== 303) return { flow, acs, token: undefined };
  const query = await followToApp(flow.agent, acs.headers.location);
  const token = await exchangeCode(h, query.get('code') ?? '', flow.verifier);
  return { flow, acs, token };
}

export function refresh(h: Harness, refreshToken: string) {
  return request(h.base)
    .post('/oauth/token')
    .auth(h.client.clientId, h.client.clientSecret)
    .type('form')
    .send({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

export const OFFLINE = {
  tenant: 'acme',
  scope: 'openid offline_access email profile groups',
  prompt: 'consent',
};
