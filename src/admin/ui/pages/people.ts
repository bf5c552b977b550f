import type { Account, Team } from '../../../storage/ports.ts';
import { html } from '../html.ts';
import type { Html } from '../html.ts';
import { page, tenantPath } from '../layout.ts';
import type { Frame } from '../layout.ts';

export interface PeopleView {
  readonly slug: string;
  readonly q: string;
  readonly people: { readonly items: readonly Account[]; readonly total: number };
  readonly teams: { readonly items: readonly { team: Team; members: number }[]; readonly total: number };
  readonly limit: number;
}

function peopleTable(v: PeopleView): Html {
  if (v.people.items.length === 0) return html`<p>No people${v.q ? ' match' : ' yet'}.</p>`;
  const rows = v.people.items.map(
    (a) =>
      html`<tr>
        <td>${a.userName}</td>
        <td>${a.displayName ?? '—'}</td>
        <td>${a.email ?? '—'}</td>
        <td>${a.active ? 'active' : html`<span class="warn">inactive</span>`}</td>
      </tr>`,
  );
  return html`<div class="table-wrap">
    <table>
      <caption>
        ${shown(v.people.items.length, v.people.total)}
      </caption>
      <thead>
        <tr>
          <th scope="col">User name</th>
          <th scope="col">Name</th>
          <th scope="col">Email</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

function teamsTable(v: PeopleView): Html {
  if (v.teams.items.length === 0) return html`<p>No teams${v.q ? ' match' : ' yet'}.</p>`;
  const rows = v.teams.items.map(
    ({ team, members }) =>
      html`<tr>
        <td>${team.displayName}</td>
        <td>${team.externalId ?? '—'}</td>
        <td>${members}</td>
      </tr>`,
  );
  return html`<div class="table-wrap">
    <table>
      <caption>
        ${shown(v.teams.items.length, v.teams.total)}
      </caption>
      <thead>
        <tr>
          <th scope="col">Team</th>
          <th scope="col">External ID</th>
          <th scope="col">Members</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

const shown = (count: number, total: number): string =>
  count < total ? `The first ${count} of ${total}: narrow the search to see others` : `${total} in all`;

export function peoplePage(frame: Omit<Frame, 'title' | 'active'>, v: PeopleView): Html {
  return page(
    { ...frame, title: 'People and teams', active: 'people' },
    html`<h1>People and teams</h1>
      <p>
        Read-only: people and teams come from your IdP over SCIM (and from first sign-ins, when just-in-time
        accounts are on).
      </p>
      <form method="get" action="${tenantPath(v.slug, 'people')}" role="search">
        <label for="q">Search by user name, name or external ID</label>
        <input type="search" id="q" name="q" value="${v.q}" maxlength="200" />
        <button type="submit">Search</button>
      </form>
      <section aria-labelledby="people-title">
        <h2 id="people-title">People</h2>
        ${peopleTable(v)}
      </section>
      <section aria-labelledby="teams-title">
        <h2 id="teams-title">Teams</h2>
        ${teamsTable(v)}
      </section>`,
  );
}
