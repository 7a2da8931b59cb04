// Site admin: API tokens for integrations (issue 16). A token acts as one account within its
// scopes; its secret is shown once, at creation. The list says when each was last used.
import { api, showError } from './api.js';
import { h, dialog, fmtClock } from './dom.js';

const SCOPES = {
  read_sessions: 'read the session list',
  read_records: 'read session records and recordings',
  start_sessions: 'start sessions and invite customers',
};

const when = (ms) => (ms ? `${new Date(ms).toLocaleDateString()} ${fmtClock(ms)}` : 'never');

/** The API tokens card; `again` redraws the admin page. */
export function tokensCard(tokens, accounts, me, again) {
  const name = h('input', { id: 'new-token-name', required: true, maxlength: 100, autocomplete: 'off' });
  const as = h('select', { id: 'new-token-account', 'aria-label': 'Acts as' },
    accounts.filter((a) => !a.disabled).map((a) => h('option', { value: a.username, selected: a.id === me.id }, a.username)));
  const boxes = Object.fromEntries(Object.keys(SCOPES).map((s) => [s, h('input', { type: 'checkbox', id: `new-token-${s}` })]));
  const shown = async (secret, tokenName) => dialog('API token', (close) => h('div', {},
    h('p', { text: `The secret of “${tokenName}”. Copy it into the integration now: it is shown only this once, and stored here only as a hash.` }),
    h('p', { class: 'code', id: 'new-token-secret', text: secret }),
    h('button', { class: 'primary', onclick: () => close(true) }, 'Done')));
  return h('section', { class: 'card wide', id: 'admin-tokens' }, h('h2', { text: 'API tokens' }),
    h('p', { class: 'muted', text: 'For the ticket system and other integrations: they call the API (described at /api/openapi.json) as the account chosen, only for what is ticked.' }),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, ['Name', 'Acts as', 'May', 'Last used', 'State', ''].map((t) => h('th', { text: t })))),
      h('tbody', {}, tokens.map((t) => h('tr', { dataset: { token: t.id } },
        h('td', { text: t.name }), h('td', { text: t.account }),
        h('td', { text: t.scopes.map((s) => SCOPES[s] || s).join(', ') }),
        h('td', { text: when(t.last_used_at) }),
        h('td', { text: t.revoked_at ? `revoked ${when(t.revoked_at)}` : 'active' }),
        h('td', {}, t.revoked_at ? null : h('button', { class: 'small danger', onclick: async () => {
          try { await api('DELETE', `/api/admin/tokens/${t.id}`); again(); } catch (e) { showError(e); }
        } }, 'Revoke')))))),
    h('form', { class: 'row', onsubmit: async (ev) => {
      ev.preventDefault();
      const scopes = Object.keys(SCOPES).filter((s) => boxes[s].checked);
      try {
        const r = await api('POST', '/api/admin/tokens', { name: name.value.trim(), scopes, username: as.value });
        await shown(r.secret, r.token.name);
        again();
      } catch (e) { showError(e); }
    } }, h('label', { for: 'new-token-name' }, 'Name'), name, h('label', { for: 'new-token-account' }, 'Acts as'), as,
    Object.entries(SCOPES).map(([s, words]) => h('label', { for: `new-token-${s}` }, boxes[s], ` ${words}`)),
    h('button', { type: 'submit', class: 'primary' }, 'Create token')));
}
