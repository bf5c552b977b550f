import type { Tenant } from '../../../storage/ports.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { page, tenantPath } from '../layout.ts';
import type { Frame } from '../layout.ts';

/** The operator's start: pick the tenant to look at. */
export function tenantsPage(frame: Omit<Frame, 'title'>, tenants: readonly Tenant[]): Html {
  const rows = tenants.map(
    (t) =>
      html`<tr>
        <td><a href="${tenantPath(t.slug, 'sso')}">${t.name}</a></td>
        <td><code>${t.slug}</code></td>
        <td>${t.status}</td>
        <td>${t.domains.join(', ') || '—'}</td>
      </tr>`,
  );
  return page(
    { ...frame, title: 'Tenants' },
    html`<h1>Tenants</h1>
      <section>
        <h2>Pick a tenant</h2>
        ${
          tenants.length === 0
            ? html`<p>
                No tenants yet. Create one with <code>POST /admin/tenants</code> (see docs/admin-api.md).
              </p>`
            : html`<div class="table-wrap">
                <table>
                  <caption class="muted">
                    ${tenants.length} tenant(s)
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Slug</th>
                      <th scope="col">Status</th>
                      <th scope="col">Domains</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows}
                  </tbody>
                </table>
              </div>`
        }
      </section>`,
  );
}
