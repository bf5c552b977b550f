import type { ScimLogEntry } from '../../../storage/ports.ts';
import type { TokenView } from '../../../tenants/service.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { copyable, csrfField, onceField, page, tenantPath, when } from '../layout.ts';
import type { Frame } from '../layout.ts';

export interface ScimView {
  readonly csrf: string;
  readonly slug: string;
  readonly baseUrl: string;
  readonly tokens: readonly TokenView[];
  /** A token just minted: shown on this response only, never stored in clear. */
  readonly minted?: { readonly token: string; readonly label: string | null } | undefined;
  readonly log: readonly ScimLogEntry[];
  readonly labelError?: string | undefined;
}

function tokens(v: ScimView): Html {
  if (v.tokens.length === 0) return html`<p>No SCIM tokens: mint one for your IdP's provisioning app.</p>`;
  const rows = v.tokens.map(
    (t) =>
      html`<tr>
        <td>${t.label ?? html`<span class="muted">no label</span>`}</td>
        <td>${when(t.createdAt)}</td>
        <td>${when(t.lastUsedAt)}</td>
        <td>
          <form class="inline" method="post" action="${tenantPath(v.slug, 'scim')}/tokens/${t.id}/revoke">
            ${csrfField(v.csrf)}<button
              type="submit"
              class="danger"
              aria-label="Revoke token ${t.label ?? t.id}"
            >
              Revoke
            </button>
          </form>
        </td>
      </tr>`,
  );
  return html`<div class="table-wrap">
    <table>
      <caption>
        SCIM tokens
      </caption>
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

function minted(v: ScimView): Html {
  if (!v.minted) return html``;
  return html`<div class="notice" role="status">
    <p>
      <strong>Copy this token now: it is shown only once.</strong> Paste it into your IdP as the SCIM bearer
      token.
    </p>
    <p>${copyable('minted-token', v.minted.token, 'the new SCIM token')}</p>
  </div>`;
}

/** Why a refused request was refused: its SCIM error's `scimType` (when it has one) and detail. */
function refusal(e: ScimLogEntry): Html | string {
  if (e.error === null) return '';
  const { scimType, detail } = e.error;
  return html`<span class="hint"
    >${scimType === null ? '' : html`<code>${scimType}</code>: `}${detail}</span
  >`;
}

function log(v: ScimView): Html {
  if (v.log.length === 0)
    return html`<p>No SCIM requests in the log yet. Entries appear about a second after each request.</p>`;
  const rows = v.log.map((e) => {
    const failed = e.status >= 400;
    return html`<tr><td>${when(e.at)}</td><td>${e.method}</td><td><code>${e.path}</code></td><td${failed ? html` class="status-error"` : ''}>${e.status}${failed ? ' (refused)' : ''}${refusal(e)}</td><td>${e.durationMs.toFixed(1)} ms</td><td>${
      e.body
        ? html`<details>
            <summary>Body</summary>
            <pre class="mono">${e.body}</pre>
          </details>`
        : '—'
    }</td></tr>`;
  });
  return html`<div class="table-wrap">
    <table>
      <caption>
        Most recent first
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Status</th>
          <th scope="col">Time</th>
          <th scope="col">Request body (redacted)</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

export function scimPage(frame: Omit<Frame, 'title' | 'active'>, v: ScimView): Html {
  return page(
    { ...frame, title: 'SCIM', active: 'scim', alert: v.labelError ?? frame.alert },
    html`<h1>SCIM provisioning</h1>
      ${minted(v)}
      <section aria-labelledby="base-title">
        <h2 id="base-title">Connection</h2>
        <dl class="values">
          <dt>SCIM base URL</dt>
          <dd>${copyable('scim-base-url', v.baseUrl, 'SCIM base URL')}</dd>
          <dt>Authentication</dt>
          <dd>HTTP header <code>Authorization: Bearer &lt;token&gt;</code></dd>
        </dl>
      </section>
      <section aria-labelledby="tokens-title">
        <h2 id="tokens-title">Tokens</h2>
        ${tokens(v)}
        <form method="post" action="${tenantPath(v.slug, 'scim')}/tokens">
          ${csrfField(v.csrf)}${onceField()}
          <label for="token-label"
            >Label <span class="hint">Optional, e.g. the IdP it is for (at most 200 characters).</span></label
          >
          <input
            type="text"
            id="token-label"
            name="label"
            maxlength="200"
            ${v.labelError ? html` aria-invalid="true"` : ''}
          />
          <button type="submit">Mint a SCIM token</button>
        </form>
      </section>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Recent SCIM requests</h2>
        ${log(v)}
      </section>`,
  );
}
