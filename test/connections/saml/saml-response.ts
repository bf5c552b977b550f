import { randomUUID } from 'node:crypto';
import * as samlify from 'samlify';
import { BINDING, IDP_ENTITY } from '../../signin/support.ts';
import type { Harness } from '../../signin/support.ts';

/** What a test may change in the IdP's response; the rest is a valid response for acme. */
export interface ResponseValues {
  inResponseTo?: string | null;
  nameId?: string;
  audience?: string;
  recipient?: string;
  destination?: string;
  issuer?: string;
  notBefore?: Date;
  notOnOrAfter?: Date;
  attributes?: Record<string, string>;
  /** The AuthnStatement's SessionIndex (what Single Logout names later). */
  sessionIndex?: string;
}

export interface SigningMode {
  /** Sign the assertion (Okta, Entra default) and/or the whole response (Google default). */
  assertion?: boolean;
  message?: boolean;
}

function attributeStatement(attributes: Record<string, string>): string {
  const items = Object.entries(attributes)
    .map(
      ([name, value]) =>
        `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue xsi:type="xs:string">${value}</saml:AttributeValue></saml:Attribute>`,
    )
    .join('');
  return items ? `<saml:AttributeStatement>${items}</saml:AttributeStatement>` : '';
}

/**
 * A response signed by the samlify IdP `idp`. Values go in unescaped on purpose (tests put an
 * XML comment inside the NameID).
 */
export async function samlResponse(
  h: Pick<Harness, 'base'>,
  idp: ReturnType<typeof samlify.IdentityProvider>,
  values: ResponseValues = {},
  mode: SigningMode = { assertion: true },
  encryptCert?: string,
): Promise<string> {
  const acs = `${h.base}/sso/acme/saml/acs`;
  const spEntity = `${h.base}/sso/acme/saml/metadata`;
  const sp = samlify.ServiceProvider({
    entityID: spEntity,
    assertionConsumerService: [{ Binding: BINDING.post, Location: acs }],
    wantAssertionsSigned: mode.assertion ?? false,
    wantMessageSigned: mode.message ?? false,
    ...(encryptCert ? { encryptCert } : {}),
  });
  const now = new Date();
  const notOnOrAfter = (values.notOnOrAfter ?? new Date(now.getTime() + 300_000)).toISOString();
  const tags: Record<string, string> = {
    ID: `_${randomUUID()}`,
    AssertionID: `_${randomUUID()}`,
    Destination: values.destination ?? acs,
    Audience: values.audience ?? spEntity,
    SubjectRecipient: values.recipient ?? acs,
    Issuer: values.issuer ?? IDP_ENTITY,
    IssueInstant: now.toISOString(),
    StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
    ConditionsNotBefore: (values.notBefore ?? new Date(now.getTime() - 5_000)).toISOString(),
    ConditionsNotOnOrAfter: notOnOrAfter,
    SubjectConfirmationDataNotOnOrAfter: notOnOrAfter,
    NameIDFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    NameID: values.nameId ?? 'alice@acme.com',
    InResponseTo: values.inResponseTo ?? '',
    AuthnStatement: `<saml:AuthnStatement AuthnInstant="${now.toISOString()}"${values.sessionIndex ? ` SessionIndex="${values.sessionIndex}"` : ''}><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
    AttributeStatement: attributeStatement(
      values.attributes ?? {
        email: values.nameId ?? 'alice@acme.com',
        firstName: 'Alice',
        lastName: 'Example',
      },
    ),
  };
  const fill = (template: string) => {
    let xml = template;
    for (const [key, value] of Object.entries(tags)) xml = xml.replaceAll(`{${key}}`, value);
    // An IdP-initiated response has no InResponseTo at all (SAML core §3.2.2).
    if (values.inResponseTo === null || values.inResponseTo === undefined)
      xml = xml.replaceAll(' InResponseTo=""', '');
    return { id: tags.ID, context: xml };
  };
  const { context } = await idp.createLoginResponse(
    sp,
    {} as Parameters<typeof idp.createLoginResponse>[1],
    'post',
    {},
    fill,
  );
  return context;
}

export const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');
export const encode = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
