import type { EventView } from '../../../events/view.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { page, when } from '../layout.ts';
import type { Frame } from '../layout.ts';

const actorText = (e: EventView): string =>
  e.actor ? `${e.actor.type.replace('_', ' ')}${e.actor.id ? ` ${e.actor.id.slice(0, 8)}…` : ''}` : '—';

export function eventsPage(frame: Omit<Frame, 'title' | 'active'>, events: readonly EventView[]): Html {
  const rows = events.map(
    (e) =>
      html`<tr>
        <td>${when(e.occurredAt)}</td>
        <td><code>${e.type}</code></td>
        <td>${actorText(e)}</td>
        <td>${e.target ? html`${e.target.type} <code>${e.target.id.slice(0, 13)}</code>` : '—'}</td>
        <td>
          <details>
            <summary>Details</summary>
            <pre class="mono">${JSON.stringify(e.data, null, 2)}</pre>
          </details>
        </td>
      </tr>`,
  );
  return page(
    { ...frame, title: 'Events', active: 'events' },
    html`<h1>Events</h1>
      <p>
        The most recent changes and sign-ins of this organisation, newest first. The full stream is
        <code>GET /admin/tenants/{slug}/events</code>.
      </p>
      <section aria-labelledby="events-title">
        <h2 id="events-title">Recent events</h2>
        ${
          events.length === 0
            ? html`<p>No events yet.</p>`
            : html`<div class="table-wrap">
                <table>
                  <caption>
                    ${events.length} most recent
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Type</th>
                      <th scope="col">Actor</th>
                      <th scope="col">Target</th>
                      <th scope="col">Data</th>
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
