// Site admin pages: CSR accounts, teams, session types, feature switches (S11), API tokens, webhooks.
import { api, describe, showError, toast } from './api.js';
import { h, fill, dialog } from './dom.js';
import { tokensCard } from './admin_tokens.js';
import { webhooksCard } from './admin_webhooks.js';
import { teamsCard, teamSelect } from './admin_teams.js';

const FEATURES = { basic_file_transfer: 'Basic file transfer (offer files)', advanced_file_transfer: 'Advanced file transfer (both ways)', recording: 'Recording', video: 'Video' };

export async function renderAdmin(root, me) {
  if (!me.is_admin) return fill(root, h('p', { class: 'error', text: 'Your account is not allowed to do this. (forbidden)' }));
  fill(root, h('p', { class: 'muted', text: 'Loading…' }));
  let accounts;
  let types;
  let features;
  let tokens;
  let hooks;
  let teams;
  try {
    [accounts, types, features, tokens, hooks, teams] = await Promise.all([api('GET', '/api/admin/accounts'), api('GET', '/api/session-types'),
      api('GET', '/api/features'), api('GET', '/api/admin/tokens'), api('GET', '/api/admin/webhooks'), api('GET', '/api/admin/teams')]);
  } catch (e) {
    return fill(root, h('p', { class: 'error', role: 'alert', text: describe(e) }));
  }
  const again = () => renderAdmin(root, me);
  const act = (f) => async () => { try { await f(); again(); } catch (e) { showError(e); } };
  const oneTime = (username, pw) => dialog('One-time password', (close) => h('div', {},
    h('p', { text: `Give this one-time password to ${username}. It is shown only now; they choose their own at first sign-in.` }),
    h('p', { class: 'code', id: 'one-time-password', text: pw }),
    h('button', { class: 'primary', onclick: () => close(true) }, 'Done')));

  const newUser = h('input', { id: 'new-username', required: true, autocomplete: 'off' });
  const newName = h('input', { id: 'new-display-name', autocomplete: 'off' });
  const newAdmin = h('input', { id: 'new-is-admin', type: 'checkbox' });
  const accountsCard = h('section', { class: 'card wide', id: 'admin-accounts' }, h('h2', { text: 'CSR accounts' }),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['User name', 'Name', 'Site admin', 'State', ''].map((t) => h('th', { text: t })))),
      h('tbody', {}, accounts.map((a) => h('tr', { dataset: { username: a.username } },
        h('td', { text: a.username }), h('td', { text: a.display_name }),
        h('td', { text: a.is_admin ? 'yes' : 'no' }),
        h('td', { text: a.disabled ? 'disabled' : a.must_change_password ? 'must choose a password' : 'active' }),
        h('td', { class: 'actions' },
          h('button', { class: 'small', disabled: a.id === me.id, onclick: act(() => api('PATCH', `/api/admin/accounts/${a.id}`, { is_admin: !a.is_admin })) }, a.is_admin ? 'Remove admin' : 'Make admin'),
          h('button', { class: 'small', disabled: a.id === me.id, onclick: act(() => api('PATCH', `/api/admin/accounts/${a.id}`, { disabled: !a.disabled })) }, a.disabled ? 'Enable' : 'Disable'),
          h('button', { class: 'small', onclick: async () => {
            try { const r = await api('POST', `/api/admin/accounts/${a.id}/password-reset`); await oneTime(a.username, r.one_time_password); again(); } catch (e) { showError(e); }
          } }, 'Reset password')))))),
    h('form', { class: 'row', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('POST', '/api/admin/accounts', { username: newUser.value.trim(), display_name: newName.value.trim() || undefined, is_admin: newAdmin.checked });
        if (r.one_time_password) await oneTime(r.account.username, r.one_time_password);
        again();
      } catch (e) { showError(e); }
    } }, h('label', { for: 'new-username' }, 'User name'), newUser, h('label', { for: 'new-display-name' }, 'Name'), newName,
    h('label', {}, newAdmin, ' site admin'), h('button', { type: 'submit', class: 'primary' }, 'Create account')));

  const typeName = h('input', { id: 'new-type-name', required: true, maxlength: 80 });
  const typeTracking = h('input', { id: 'new-type-tracking', type: 'checkbox' });
  const typesCard = h('section', { class: 'card', id: 'admin-session-types' }, h('h2', { text: 'Session types' }),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['Name', 'Tracking code', 'Team', ''].map((t) => h('th', { text: t })))),
      h('tbody', {}, types.map((t) => h('tr', {}, h('td', { text: t.name }), h('td', { text: t.tracking_required ? 'required' : 'optional' }),
        h('td', {}, teamSelect(t, teams, again)),
        h('td', {}, h('button', { class: 'small', onclick: act(() => api('PATCH', `/api/admin/session-types/${t.id}`, { tracking_required: !t.tracking_required })) }, t.tracking_required ? 'Make optional' : 'Require')))))),
    h('form', { class: 'row', onsubmit: (ev) => { ev.preventDefault(); act(() => api('POST', '/api/admin/session-types', { name: typeName.value.trim(), tracking_required: typeTracking.checked }))(); } },
      h('label', { for: 'new-type-name' }, 'Name'), typeName, h('label', {}, typeTracking, ' tracking code required'), h('button', { type: 'submit', class: 'primary' }, 'Add session type')));

  const boxes = {};
  const featuresCard = h('section', { class: 'card', id: 'admin-features' }, h('h2', { text: 'Features' }),
    h('p', { class: 'muted', text: 'Sessions started from now on follow these switches. Greyed-out features are not allowed by this deployment.' }),
    Object.entries(FEATURES).map(([k, label]) => {
      boxes[k] = h('input', { type: 'checkbox', id: `feature-${k}`, checked: features.switches[k], disabled: !features.allowed[k] });
      return h('div', {}, h('label', { for: `feature-${k}` }, boxes[k], ` ${label}`));
    }),
    h('button', { class: 'primary', id: 'save-features', onclick: async () => {
      const body = Object.fromEntries(Object.keys(FEATURES).map((k) => [k, boxes[k].checked]));
      try { await api('PUT', '/api/admin/features', body); toast('Feature switches saved.'); again(); } catch (e) { showError(e); }
    } }, 'Save switches'));

  fill(root, h('h1', { text: 'Site administration' }), accountsCard, teamsCard(teams, accounts, types, again), h('div', { class: 'columns' }, typesCard, featuresCard),
    tokensCard(tokens, accounts, me, again), webhooksCard(hooks, again));
}
