// Site admin: teams (issue 16). A team has a name and a slug that names its public queue page
// (/help/<slug>); accounts belong to it as team lead or CSR. Session types are given to a team
// in the session types card (teamSelect).
import { api, showError } from './api.js';
import { h } from './dom.js';

const ROLES = { csr: 'CSR', lead: 'Team lead' };

/** A select of the teams for session type `t`; changing it gives the type to that team. */
export function teamSelect(t, teams, again) {
  return h('select', { class: 'small', 'aria-label': `Team of ${t.name}`, dataset: { sessionType: t.name }, onchange: async (ev) => {
    const v = ev.target.value;
    try { await api('PATCH', `/api/admin/session-types/${t.id}`, { team_id: v ? Number(v) : null }); again(); } catch (e) { showError(e); }
  } }, h('option', { value: '', selected: !t.team_id }, 'no team'),
  teams.map((team) => h('option', { value: String(team.id), selected: t.team_id === team.id }, team.name)));
}

/** The teams card; `again` redraws the admin page. */
export function teamsCard(teams, accounts, types, again) {
  const act = (f) => async () => { try { await f(); again(); } catch (e) { showError(e); } };
  const name = h('input', { id: 'new-team-name', required: true, maxlength: 80, autocomplete: 'off' });
  const slug = h('input', { id: 'new-team-slug', maxlength: 40, autocomplete: 'off', placeholder: 'made from the name', pattern: '[a-z0-9]([a-z0-9-]*[a-z0-9])?' });
  return h('section', { class: 'card wide', id: 'admin-teams' }, h('h2', { text: 'Teams' }),
    h('p', { class: 'muted', text: 'Customers ask a team for help on its queue page; its members see the queue in the console. Team leads also see the team’s sessions.' }),
    teams.map((team) => teamBlock(team, accounts, types, act)),
    h('form', { class: 'row', onsubmit: (ev) => {
      ev.preventDefault();
      act(() => api('POST', '/api/admin/teams', { name: name.value.trim(), slug: slug.value.trim() || undefined }))();
    } }, h('label', { for: 'new-team-name' }, 'Name'), name, h('label', { for: 'new-team-slug' }, 'Page address'), slug,
    h('button', { type: 'submit', class: 'primary' }, 'Add team')));
}

function teamBlock(team, accounts, types, act) {
  const page = `${location.origin}/help/${team.slug}`;
  const inTeam = new Set(team.members.map((m) => m.account_id));
  const who = h('select', { 'aria-label': `Account to add to ${team.name}`, class: 'add-member' },
    accounts.filter((a) => !a.disabled && !inTeam.has(a.id)).map((a) => h('option', { value: String(a.id) }, `${a.display_name} (${a.username})`)));
  const role = h('select', { 'aria-label': 'Role in the team', class: 'add-role' }, Object.entries(ROLES).map(([k, v]) => h('option', { value: k }, v)));
  const typeNames = types.filter((t) => t.team_id === team.id).map((t) => t.name);
  return h('div', { class: 'team', dataset: { team: team.slug } },
    h('h3', { text: team.name }),
    h('p', {}, 'Queue page: ', h('a', { href: page, target: '_blank', rel: 'noopener', text: page })),
    h('p', { class: 'muted', text: typeNames.length ? `Sessions from its queue: ${typeNames[0]}` : 'Sessions from its queue use the first session type of no team.' }),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['Member', 'Role', ''].map((t) => h('th', { text: t })))),
      h('tbody', {}, team.members.map((m) => h('tr', { dataset: { member: m.username } },
        h('td', { text: `${m.display_name} (${m.username})` }), h('td', { text: ROLES[m.role] || m.role }),
        h('td', { class: 'actions' },
          h('button', { class: 'small', onclick: act(() => api('PUT', `/api/admin/teams/${team.id}/members/${m.account_id}`, { role: m.role === 'lead' ? 'csr' : 'lead' })) },
            m.role === 'lead' ? 'Make CSR' : 'Make team lead'),
          h('button', { class: 'small danger', onclick: act(() => api('DELETE', `/api/admin/teams/${team.id}/members/${m.account_id}`)) }, 'Remove')))))),
    who.options.length ? h('div', { class: 'row' }, who, role,
      h('button', { class: 'small primary', onclick: act(() => api('PUT', `/api/admin/teams/${team.id}/members/${who.value}`, { role: role.value })) }, 'Add to team')) : null);
}
