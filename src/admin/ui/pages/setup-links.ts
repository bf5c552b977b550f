import type { SetupLinkView } from '../../../tenants/setup-links.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { UI, copyable, csrfField, onceField, page, tenantPath, when } from '../layout.ts';
import type { Frame } from '../layout.ts';

export interface SetupLinksView {
  readonly csrf: string;
  readonly slug: string;
  readonly links: readonly SetupLinkView[];
  readonly maxHours: number;
  /** A link just created: its URL is shown on this response only. */
  readonly created?: { readonly url: string; readonly expiresAt: string } | undefined;
}

const HOURS = [1, 4, 24, 72, 168];

function linksTable(v: SetupLinksView): Html {
  if (v.links.length === 0) return html`<p>No setup links for this tenant yet.</p>`;
  const rows = v.links.map(
    (l) =>
      html`<tr>
        <td>${when(l.createdAt)}</td>
        <td>${when(l.expiresAt)}</td>
        <td>${l.state === 'used' ? `used ${when(l.usedAt)}` : l.state}</td>
        <td>
          <form class="inline" method="post" action="${tenantPath(v.slug, 'setup-links')}/${l.id}/revoke">
            ${csrfField(v.csrf)}<button
              type="submit"
              class="danger"
              aria-label="Revoke the setup link created ${when(l.createdAt)}"
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
        Newest first. Revoking a used link also ends the session it opened.
      </caption>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Expires</th>
          <th scope="col">State</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

export function setupLinksPage(frame: Omit<Frame, 'title' | 'active'>, v: SetupLinksView): Html {
  const options = HOURS.filter((h) => h <= v.maxHours).map(
    (h) =>
      html`<option value="${h}" ${h === Math.min(24, v.maxHours) ? html` selected` : ''}>
        ${h < 24 ? `${h} hour${h === 1 ? '' : 's'}` : `${h / 24} day${h === 24 ? '' : 's'}`}
      </option>`,
  );
  return page(
    { ...frame, title: 'Setup links', active: 'setup-links' },
    html`<h1>Setup links</h1>
      ${
        v.created
          ? html`<div class="notice" role="status">
              <p>
                <strong>Send this link to the customer's admin now: it is shown only once.</strong> It works
                once, until ${when(v.created.expiresAt)}.
              </p>
              <p>${copyable('setup-link-url', v.created.url, 'the setup link')}</p>
            </div>`
          : ''
      }
      <section aria-labelledby="new-title">
        <h2 id="new-title">New setup link</h2>
        <p>
          A setup link signs one person in to this tenant's admin page, once, without a token. Opening it
          shows a confirmation; only confirming spends it, so mail scanners that open links do not use it up.
        </p>
        <form method="post" action="${tenantPath(v.slug, 'setup-links')}">
          ${csrfField(v.csrf)}${onceField()}
          <label for="link-hours">Valid for</label>
          <select id="link-hours" name="hours">
            ${options}
          </select>
          <button type="submit">Create a setup link</button>
        </form>
      </section>
      <section aria-labelledby="links-title">
        <h2 id="links-title">Links of this tenant</h2>
        ${linksTable(v)}
      </section>`,
  );
}

/** What a setup link's GET shows: a confirmation, so that opening the link spends nothing. */
export function redeemPage(view: {
  readonly formToken: string;
  readonly secret: string;
  readonly tenantName: string;
  readonly expiresAt: string;
}): Html {
  return page(
    { title: 'Set up single sign-on' },
    html`<h1>Set up single sign-on for ${view.tenantName}</h1>
      <section>
        <h2>Continue to the admin page</h2>
        <p>
          This link signs you in to ${view.tenantName}'s Trustgate admin page, where you connect your identity
          provider. It works once (until ${when(view.expiresAt)}).
        </p>
        <form method="post" action="${UI}/setup">
          <input type="hidden" name="_csrf" value="${view.formToken}" />
          <input type="hidden" name="link" value="${view.secret}" />
          <button type="submit">Continue</button>
        </form>
      </section>`,
  );
}
