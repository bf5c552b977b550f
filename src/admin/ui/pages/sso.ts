import type { SamlService } from '../../../connections/saml/service.ts';
import type { OidcService } from '../../../connections/oidc/service.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { copyable, csrfField, page, tenantPath, when } from '../layout.ts';
import type { Frame } from '../layout.ts';

export type SamlView = Awaited<ReturnType<SamlService['get']>>;
export type OidcView = Awaited<ReturnType<OidcService['get']>>;

/** Certificates closer to expiry than this are flagged (docs/admin-ui.md#sso). */
export const EXPIRY_WARNING_DAYS = 30;

export interface SsoView {
  readonly csrf: string;
  readonly slug: string;
  readonly sp: { readonly entityId: string; readonly acsUrl: string; readonly metadataUrl: string };
  readonly oidcRedirectUri: string;
  readonly saml: SamlView | null;
  readonly oidc: OidcView | null;
  /** A refused form: which one, why, and what was typed (kept, except files and secrets). */
  readonly refused?:
    { readonly form: 'metadata' | 'metadata-url' | 'oidc'; readonly message: string } | undefined;
  readonly values?: Readonly<Record<string, string>>;
}

function certificates(saml: SamlView): Html {
  const rows = saml.idp.certificates.map((c) => {
    const soon = c.daysToExpiry < EXPIRY_WARNING_DAYS;
    const left =
      c.daysToExpiry < 0 ? 'expired' : `${c.daysToExpiry} day${c.daysToExpiry === 1 ? '' : 's'} left`;
    return html`<tr>
      <td class="mono">${c.subject}</td>
      <td>${when(c.notAfter)}</td>
      <td>
        ${soon ? html`<span class="warn">Warning: ${left}. Ask your IdP for the new certificate and upload new metadata.</span>` : left}
      </td>
      <td><code>${c.fingerprint256}</code></td>
    </tr>`;
  });
  return html`<div class="table-wrap">
    <table>
      <caption>
        Signing certificates
      </caption>
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Expires</th>
          <th scope="col">Validity</th>
          <th scope="col">SHA-256 fingerprint</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

function samlConnection(v: SsoView): Html {
  if (!v.saml) return html`<p>No SAML connection yet: upload your IdP's metadata below.</p>`;
  const { idp, source, updatedAt } = v.saml;
  return html`<dl class="values">
      <dt>IdP entity ID</dt>
      <dd><code>${idp.entityId}</code></dd>
      <dt>IdP sign-in URL</dt>
      <dd><code>${idp.ssoUrl ?? '—'}</code></dd>
      <dt>Metadata source</dt>
      <dd>${source.kind === 'url' ? html`<code>${source.url}</code>` : 'uploaded file or text'}</dd>
      <dt>Last changed</dt>
      <dd>${when(updatedAt)}</dd>
    </dl>
    ${certificates(v.saml)}`;
}

const refusedOn = (v: SsoView, form: 'metadata' | 'metadata-url' | 'oidc'): string | undefined =>
  v.refused?.form === form ? v.refused.message : undefined;

function invalid(error: string | undefined, id: string): Html {
  return error ? html` aria-invalid="true" aria-describedby="${id}-error"` : html``;
}
const errorText = (error: string | undefined, id: string): Html =>
  error ? html`<span id="${id}-error" class="hint status-error">${error}</span>` : html``;

function metadataForms(v: SsoView): Html {
  const fileError = refusedOn(v, 'metadata');
  const urlError = refusedOn(v, 'metadata-url');
  const action = `${tenantPath(v.slug, 'sso')}/metadata`;
  return html`<h2 id="upload">Upload IdP metadata</h2>
    <form method="post" action="${action}" enctype="multipart/form-data">
      ${csrfField(v.csrf)}
      <label for="metadata-file"
        >Metadata file
        <span class="hint">The XML file your IdP offers (Okta, Entra ID, Google…), at most 1 MB.</span></label
      >
      <input
        type="file"
        id="metadata-file"
        name="metadataFile"
        accept=".xml,application/xml,text/xml,application/samlmetadata+xml"
        ${invalid(fileError, 'metadata')}
      />
      <label for="metadata-xml">Or paste the metadata XML</label>
      <textarea id="metadata-xml" name="metadataXml" spellcheck="false" ${invalid(fileError, 'metadata')}>
${v.values?.metadataXml ?? ''}</textarea>
      ${errorText(fileError, 'metadata')}
      <button type="submit">Upload metadata</button>
    </form>
    <form method="post" action="${action}">
      ${csrfField(v.csrf)}
      <label for="metadata-url"
        >Or fetch it from a URL
        <span class="hint">https only; Trustgate fetches it again on a schedule.</span></label
      >
      <input
        type="url"
        id="metadata-url"
        name="metadataUrl"
        value="${v.values?.metadataUrl ?? ''}"
        required${invalid(urlError, 'metadata-url')}
      />
      ${errorText(urlError, 'metadata-url')}
      <button type="submit">Fetch metadata</button>
    </form>`;
}

function oidcForm(v: SsoView): Html {
  const error = refusedOn(v, 'oidc');
  const current = v.oidc;
  const value = (name: string, fallback: string) => v.values?.[name] ?? fallback;
  return html`<section aria-labelledby="oidc-title">
    <h2 id="oidc-title">OpenID Connect</h2>
    <dl class="values">
      <dt>Redirect URI</dt>
      <dd>${copyable('rp-redirect', v.oidcRedirectUri, 'redirect URI')}</dd>
      ${
        current
          ? html`<dt>Issuer</dt>
              <dd><code>${current.issuer}</code></dd>
              <dt>Client ID</dt>
              <dd><code>${current.clientId}</code></dd>
              <dt>Scopes</dt>
              <dd>${current.scopes.join(' ')}</dd>
              <dt>Client secret</dt>
              <dd>set (stored encrypted, never shown)</dd>`
          : ''
      }
    </dl>
    <form method="post" action="${tenantPath(v.slug, 'sso')}/oidc">
      ${csrfField(v.csrf)}
      <label for="oidc-issuer">Issuer URL</label>
      <input
        type="url"
        id="oidc-issuer"
        name="issuer"
        required
        value="${value('issuer', current?.issuer ?? '')}"
        ${invalid(error, 'oidc')}
      />
      <label for="oidc-client-id">Client ID</label>
      <input
        type="text"
        id="oidc-client-id"
        name="clientId"
        required
        value="${value('clientId', current?.clientId ?? '')}"
      />
      <label for="oidc-client-secret"
        >Client secret
        <span class="hint">Required on every save; stored encrypted and never shown again.</span></label
      >
      <input type="password" id="oidc-client-secret" name="clientSecret" required autocomplete="off" />
      <label for="oidc-scopes"
        >Scopes <span class="hint">Separated by spaces; <code>openid</code> is always added.</span></label
      >
      <input
        type="text"
        id="oidc-scopes"
        name="scopes"
        value="${value('scopes', current?.scopes.join(' ') ?? 'openid email profile')}"
      />
      ${errorText(error, 'oidc')}
      <button type="submit">Save OpenID Connect settings</button>
    </form>
  </section>`;
}

function testSignIn(v: SsoView): Html {
  const connections = [
    ...(v.saml ? [{ protocol: 'saml', label: 'Test SAML sign-in' }] : []),
    ...(v.oidc ? [{ protocol: 'oidc', label: 'Test OpenID Connect sign-in' }] : []),
  ];
  if (connections.length === 0) return html``;
  return html`<section aria-labelledby="test-title">
    <h2 id="test-title">Test sign-in</h2>
    <p>
      Signs you in at your IdP and shows the profile Trustgate maps from its answer, without signing in to any
      application or creating an account.
    </p>
    <div class="actions">
      ${connections.map(
        (c) =>
          html`<form method="post" action="${tenantPath(v.slug, 'sso')}/test">
            ${csrfField(v.csrf)} <input type="hidden" name="protocol" value="${c.protocol}" />
            <button type="submit">${c.label}</button>
          </form>`,
      )}
    </div>
  </section>`;
}

export function ssoPage(frame: Omit<Frame, 'title' | 'active'>, v: SsoView): Html {
  return page(
    { ...frame, title: 'SSO', active: 'sso', alert: v.refused?.message ?? frame.alert },
    html`<h1>Single sign-on</h1>
      <section aria-labelledby="sp-title">
        <h2 id="sp-title">Our service provider values</h2>
        <p>Paste these into your IdP's SAML app.</p>
        <dl class="values">
          <dt>Entity ID (audience)</dt>
          <dd>${copyable('sp-entity-id', v.sp.entityId, 'entity ID')}</dd>
          <dt>ACS URL</dt>
          <dd>${copyable('sp-acs-url', v.sp.acsUrl, 'ACS URL')}</dd>
          <dt>Metadata URL</dt>
          <dd>${copyable('sp-metadata-url', v.sp.metadataUrl, 'metadata URL')}</dd>
        </dl>
      </section>
      <section aria-labelledby="saml-title">
        <h2 id="saml-title">SAML connection</h2>
        ${samlConnection(v)} ${metadataForms(v)}
      </section>
      ${oidcForm(v)} ${testSignIn(v)}`,
  );
}
