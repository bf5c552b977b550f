import assert from 'node:assert/strict';
import { randomUUID, verify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import request from 'supertest';
import * as samlify from 'samlify';
import { IDP_ENTITY, pathOf } from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';

type Idp = ReturnType<typeof samlify.IdentityProvider>;
type Sp = ReturnType<typeof samlify.ServiceProvider>;

/** Our SP as the samlify IdP sees it: read from our own metadata. */
export async function spFromMetadata(h: Harness, slug = 'acme', signed = true): Promise<Sp> {
  const metadata = await request(h.base).get(`/sso/${slug}/saml/metadata`);
  assert.equal(metadata.status, 200);
  return samlify.ServiceProvider({
    metadata: metadata.text,
    wantLogoutRequestSigned: signed,
    wantLogoutResponseSigned: true,
  });
}

export interface LogoutValues {
  nameId?: string;
  sessionIndex?: string;
  destination?: string;
  issuer?: string;
  issueInstant?: Date;
  notOnOrAfter?: Date;
  relayState?: string;
}

/** A LogoutRequest from the samlify IdP: a redirect path (HTTP-Redirect) or a form (HTTP-POST). */
export function idpLogoutRequest(
  idp: Idp,
  sp: Sp,
  binding: 'redirect' | 'post',
  values: LogoutValues = {},
): { id: string; context: string; relayState: string } {
  const id = `_${randomUUID()}`;
  const relayState = values.relayState ?? 'idp-relay-1';
  const replace = (template: string, tags: Record<string, string>) => {
    let xml = template;
    const all: Record<string, string> = {
      ...tags,
      ID: id,
      NameID: values.nameId ?? 'alice@acme.com',
      SessionIndex: values.sessionIndex ?? '_session-1',
      Destination:
        values.destination ??
        String(
          (sp.entityMeta as { getSingleLogoutService(b: string): unknown }).getSingleLogoutService(binding),
        ),
      Issuer: values.issuer ?? IDP_ENTITY,
      IssueInstant: (values.issueInstant ?? new Date()).toISOString(),
    };
    for (const [key, value] of Object.entries(all)) xml = xml.replaceAll(`{${key}}`, value);
    if (values.notOnOrAfter)
      xml = xml.replace(
        ' Version="2.0"',
        ` Version="2.0" NotOnOrAfter="${values.notOnOrAfter.toISOString()}"`,
      );
    return { id, context: xml };
  };
  const made = idp.createLogoutRequest(sp, binding, { logoutNameID: values.nameId ?? 'alice@acme.com' }, {
    relayState,
    customTagReplacement: replace,
  } as unknown as string);
  return { id, context: made.context, relayState };
}

export const postLogout = (h: Harness, form: Record<string, string>, slug = 'acme') =>
  request(h.base).post(`/sso/${slug}/saml/slo`).type('form').send(form);

export const getLogout = (h: Harness, url: string) => request(h.base).get(pathOf(url));

export interface ReadResponse {
  readonly xml: string;
  readonly relayState: string | null;
  readonly status: string;
  readonly inResponseTo: string;
}

/** Our LogoutResponse on the redirect to the IdP: its signature checked with our SP certificate. */
export function readSignedRedirect(
  location: string,
  spCertificate: string,
  param = 'SAMLResponse',
): ReadResponse {
  const url = new URL(location);
  const tokens = url.search.slice(1).split('&');
  const raw = (key: string) => tokens.find((t) => t.startsWith(`${key}=`))?.slice(key.length + 1);
  const signedPart = [
    `${param}=${raw(param)}`,
    ...(raw('RelayState') ? [`RelayState=${raw('RelayState')}`] : []),
  ];
  signedPart.push(`SigAlg=${raw('SigAlg')}`);
  const signature = Buffer.from(decodeURIComponent(raw('Signature') ?? ''), 'base64');
  assert.equal(url.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
  assert.ok(
    verify('sha256', Buffer.from(signedPart.join('&')), spCertificate, signature),
    'signed by our SP key',
  );
  const xml = inflateRawSync(Buffer.from(url.searchParams.get(param) ?? '', 'base64')).toString('utf8');
  return {
    xml,
    relayState: url.searchParams.get('RelayState'),
    status: /StatusCode Value="([^"]+)"/.exec(xml)?.[1] ?? '',
    inResponseTo: /InResponseTo="([^"]+)"/.exec(xml)?.[1] ?? '',
  };
}

export { IDP_ENTITY };
