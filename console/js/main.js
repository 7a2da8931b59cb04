// Entry point: who is signed in, and which view the address shows.
//   #/                 start a session (S3, S4)
//   #/session/<id>     the session view
//   #/history[/<id>]   past sessions (S22); #/history?team=<id> one team's
//   #/team             the team lead's view: live sessions, observe, team figures (issue 16)
//   #/admin            site admin pages
import { api, describe, newKey, showError } from './api.js';
import { h, fill, dialog } from './dom.js';
import { renderHistory, renderHistoryDetail } from './history.js';
import { renderAdmin } from './admin.js';
import { SessionView } from './session.js';
import { sessionOpened, startNotices, stopNotices } from './notices.js';
import { queuePanel } from './queue_panel.js';
import { renderTeam } from './team_view.js';

const app = document.getElementById('app');
const nav = document.getElementById('nav');
let me = null;
let current = null;
// Each route shows its view in a container of its own: a view still loading when the address
// changes fills its own container, now out of the page, instead of the new view.

/** A fresh container for the view of this route. */
function freshView() {
  const root = h('div', { class: 'view' });
  fill(app, root);
  return root;
}

async function boot() {
  try {
    me = await api('GET', '/api/me');
  } catch (e) {
    me = null;
    if (e.code !== 'unauthenticated') showError(e);
  }
  route();
}

function renderNav() {
  if (!me || me.must_change_password) return fill(nav);
  fill(
    nav,
    h('a', { href: '#/' }, 'Start'),
    h('a', { href: '#/history' }, 'History'),
    me.is_admin || (me.leads && me.leads.length) ? h('a', { href: '#/team', id: 'nav-team' }, 'Team') : null,
    me.is_admin ? h('a', { href: '#/admin' }, 'Admin') : null,
    h('span', { class: 'who', text: me.display_name }),
    h('button', { class: 'link', id: 'sign-out', onclick: signOut }, 'Sign out'),
  );
}

async function signOut() {
  try {
    await api('POST', '/api/logout');
  } catch (e) {
    showError(e);
  }
  me = null;
  stopNotices();
  location.hash = '#/';
  route();
}

function route() {
  if (current && current.destroy) current.destroy();
  current = null;
  renderNav();
  if (!me) return signIn();
  if (me.must_change_password) return changePassword(true);
  startNotices();
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  switch (parts[0]) {
    case 'session':
      sessionOpened(parts[1]);
      current = new SessionView(freshView(), parts[1], me);
      return current.start();
    case 'history':
      return parts[1] ? renderHistoryDetail(freshView(), parts[1]) : renderHistory(freshView(), { team: new URLSearchParams(query || '').get('team') || '' });
    case 'team':
      return renderTeam(freshView());
    case 'admin':
      return renderAdmin(freshView(), me);
    case 'password':
      return changePassword(false);
    default:
      return startPage(freshView());
  }
}

function errorLine() {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

function setError(el, err) {
  el.textContent = err ? describe(err) : '';
  el.hidden = !err;
}

function signIn() {
  const err = errorLine();
  const user = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'card narrow', onsubmit: async (ev) => {
      ev.preventDefault();
      setError(err, null);
      try {
        me = await api('POST', '/api/login', { username: user.value.trim(), password: pass.value });
        // The full account (with the teams it leads) as /api/me tells it.
        me = await api('GET', '/api/me').catch(() => me);
        route();
      } catch (e) {
        setError(err, e);
        pass.select();
      }
    } },
    h('h1', { text: 'Sign in' }),
    h('label', { for: 'username' }, 'User name'), user,
    h('label', { for: 'password' }, 'Password'), pass,
    err,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  fill(app, form);
  user.focus();
}

function changePassword(first) {
  const err = errorLine();
  const cur = h('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', minlength: 10, required: true });
  const again = h('input', { id: 'repeat-password', type: 'password', autocomplete: 'new-password', required: true });
  const form = h(
    'form',
    { class: 'card narrow', onsubmit: async (ev) => {
      ev.preventDefault();
      if (next.value !== again.value) return setError(err, { message: 'The two new passwords differ.', code: 'mismatch' });
      try {
        await api('POST', '/api/password', { current: cur.value, new: next.value });
        me = await api('GET', '/api/me');
        location.hash = '#/';
        route();
      } catch (e) {
        setError(err, e);
      }
    } },
    h('h1', { text: first ? 'Choose your password' : 'Change password' }),
    first ? h('p', { text: 'You signed in with a one-time password. Choose your own (at least 10 characters) before going on.' }) : null,
    h('label', { for: 'current-password' }, first ? 'One-time password' : 'Current password'), cur,
    h('label', { for: 'new-password' }, 'New password (at least 10 characters)'), next,
    h('label', { for: 'repeat-password' }, 'New password again'), again,
    err,
    h('button', { type: 'submit', class: 'primary' }, 'Save password'),
  );
  fill(app, form);
  cur.focus();
}

/** S3, S4: start with a session type (and a tracking code when needed) or a one-click preset;
 * or take a customer from the support queue (issue 16). */
async function startPage(root) {
  const err = errorLine();
  fill(root, h('p', { class: 'muted', text: 'Loading…' }));
  let types = [];
  let presets = [];
  try {
    [types, presets] = await Promise.all([api('GET', '/api/session-types'), api('GET', '/api/presets')]);
  } catch (e) {
    fill(root, h('p', { class: 'error', text: describe(e) }));
    return;
  }
  const typeSel = h('select', { id: 'session-type' }, types.map((t) => h('option', { value: String(t.id) }, t.name + (t.tracking_required ? ' (tracking code required)' : ''))));
  const tracking = h('input', { id: 'tracking-code', maxlength: 128, placeholder: 'e.g. CASE-4711' });
  const needTracking = () => {
    const t = types.find((x) => String(x.id) === typeSel.value);
    tracking.required = !!(t && t.tracking_required);
  };
  typeSel.addEventListener('change', needTracking);
  needTracking();

  // One key per start button of this page: a double click (or a retry after a lost answer)
  // gets the same session from the server; the buttons are also disabled while it starts.
  const keys = new Map();
  let starting = false;
  const startWith = async (body, which) => {
    if (starting) return;
    starting = true;
    setError(err, null);
    const buttons = [...app.querySelectorAll('.start-button')];
    for (const b of buttons) b.disabled = true;
    if (!keys.has(which)) keys.set(which, newKey());
    try {
      const s = await api('POST', '/api/sessions', body, keys.get(which));
      location.hash = `#/session/${s.session_id}`;
    } catch (e) {
      setError(err, e);
    } finally {
      starting = false;
      for (const b of buttons) b.disabled = false;
    }
  };
  const form = h(
    'form',
    { class: 'card', id: 'start-form', onsubmit: (ev) => {
      ev.preventDefault();
      const body = { session_type_id: Number(typeSel.value) };
      if (tracking.value.trim()) body.tracking_code = tracking.value.trim();
      startWith(body, `form:${body.session_type_id}:${body.tracking_code || ''}`);
    } },
    h('h2', { text: 'Start a session' }),
    h('label', { for: 'session-type' }, 'Session type'), typeSel,
    h('label', { for: 'tracking-code' }, 'Tracking code'), tracking,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary start-button', id: 'start-session' }, 'Start session'),
      h('button', { type: 'button', onclick: () => savePreset(root, types, typeSel.value, tracking.value, err) }, 'Save as one-click preset…')),
  );
  const presetList = h('ul', { class: 'presets' }, presets.length ? presets.map((p) => {
    const t = types.find((x) => x.id === p.session_type_id);
    return h('li', {},
      h('button', { class: 'primary start-button', onclick: () => startWith({ preset_id: p.id }, `preset:${p.id}`) }, `Start “${p.name}”`),
      h('span', { class: 'muted', text: ` ${t ? t.name : ''}${p.tracking_code ? ' · ' + p.tracking_code : ''} ` }),
      h('button', { class: 'link', onclick: async () => {
        try { await api('DELETE', `/api/presets/${p.id}`); startPage(root); } catch (e) { setError(err, e); }
      } }, 'Delete'));
  }) : h('li', { class: 'muted', text: 'No presets yet. Save one from the form.' }));
  fill(root,
    h('div', { class: 'columns' }, form, h('section', { class: 'card' }, h('h2', { text: 'One-click start' }), presetList)),
    err, queuePanel());
}

async function savePreset(root, types, typeId, tracking, err) {
  const name = await dialog('Save as one-click preset', (close) => {
    const input = h('input', { id: 'preset-name', required: true, maxlength: 80, placeholder: 'e.g. Billing call' });
    return h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); close(input.value.trim()); } },
      h('label', { for: 'preset-name' }, 'Name'), input,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
  });
  if (!name) return;
  try {
    const body = { name, session_type_id: Number(typeId) };
    if (tracking.trim()) body.tracking_code = tracking.trim();
    await api('POST', '/api/presets', body);
    startPage(root);
  } catch (e) {
    setError(err, e);
  }
}

window.addEventListener('hashchange', () => {
  if (!me) return;
  route();
});
document.addEventListener('session-left', () => { location.hash = '#/'; });
boot();
