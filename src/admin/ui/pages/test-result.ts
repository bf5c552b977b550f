import type { TestResult } from '../../../signin/login-state.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { page, tenantPath } from '../layout.ts';
import type { Frame } from '../layout.ts';

function profileList(result: Extract<TestResult, { kind: 'profile' }>): Html {
  const p = result.profile;
  const rows: [string, string | undefined][] = [
    ['Protocol', p.idp.toUpperCase()],
    ['IdP (issuer)', p.issuer],
    ['Subject (NameID)', p.subject],
    ['Email', p.email],
    ['Given name', p.givenName],
    ['Family name', p.familyName],
    ['Display name', p.displayName],
    ['Authentication (amr)', result.amr.join(', ')],
  ];
  return html`<dl class="values">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v ? html`<code>${v}</code>` : html`<span class="muted">not sent</span>`}</dd>`,
    )}
  </dl>`;
}

export function testResultPage(
  frame: Omit<Frame, 'title' | 'active'>,
  slug: string,
  result: TestResult,
): Html {
  const body =
    result.kind === 'profile'
      ? html`<div class="notice" role="status">
            The IdP's answer passed every check. Nobody was signed in and no account was created or changed.
          </div>
          <section aria-labelledby="profile-title">
            <h2 id="profile-title">Mapped profile</h2>
            <p>What Trustgate would link to an account (by subject, then by email) on a real sign-in.</p>
            ${profileList(result)}
          </section>`
      : html`<div class="alert" role="alert">The IdP's answer was refused: ${result.code}.</div>
          <section aria-labelledby="reason-title">
            <h2 id="reason-title">Why</h2>
            <p><code>${result.reason}</code></p>
            <p class="muted">
              Reference: <code>${result.reference}</code> (also in the Events page, as
              <code>sso.login_rejected</code>).
            </p>
          </section>`;
  return page(
    { ...frame, title: 'Test sign-in', active: 'sso' },
    html`<h1>Test sign-in</h1>
      ${body}
      <p><a href="${tenantPath(slug, 'sso')}">Back to SSO</a></p>`,
  );
}

/**
 * The IdP's POST to our ACS is cross-site, and a SameSite=Strict cookie is not sent on the
 * redirect that follows it: this page is what that redirect shows, and its link (a same-site
 * navigation, which carries the cookie) shows the result.
 */
export function testResultInterstitial(href: string): Html {
  return page(
    { title: 'Test sign-in finished' },
    html`<h1>Test sign-in finished</h1>
      <section>
        <h2>See the result</h2>
        <p>Your browser came back from your IdP.</p>
        <p><a class="button" href="${href}">Show the result</a></p>
        <p class="muted">The result is shown only to the admin session that started the test, once.</p>
      </section>`,
  );
}
