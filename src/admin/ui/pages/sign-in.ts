import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { UI, page } from '../layout.ts';

export interface SignInView {
  /** The pre-session form token (double-submit: the same value is in a cookie). */
  readonly formToken: string;
  readonly error?: string | undefined;
  readonly notice?: string | undefined;
}

export function signInPage(view: SignInView): Html {
  const invalid = view.error !== undefined;
  return page(
    { title: 'Sign in', alert: view.error, notice: view.notice },
    html`<h1>Sign in to Trustgate</h1>
      <section>
        <h2>With a key or token</h2>
        <p>
          Paste a tenant-admin token (<code>tga_…</code>) to manage your organisation's connection, or the
          operator key to manage every tenant.
        </p>
        <form method="post" action="${UI}/sign-in">
          <input type="hidden" name="_csrf" value="${view.formToken}" />
          <label for="credential">Operator key or tenant-admin token</label>
          <input
            type="password"
            id="credential"
            name="credential"
            required
            autocomplete="off"
            spellcheck="false"
            ${invalid ? html` aria-invalid="true" aria-describedby="credential-error"` : ''}
          />
          ${invalid ? html`<span id="credential-error" class="hint">${view.error}</span>` : ''}
          <button type="submit">Sign in</button>
        </form>
      </section>
      <p class="muted">
        Got a setup link from your provider? Open it directly: it signs you in to your organisation once.
      </p>`,
  );
}
