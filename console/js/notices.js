// S17: live notices to this CSR wherever the console is: "Alice invites you to session
// CASE-4711" with Join. One Server-Sent-Events stream per signed-in console (GET /api/notices);
// the browser reconnects it by itself after a network break.
import { h } from './dom.js';
import { displayable } from './policy.js';

let source = null;
const shown = new Map(); // session id -> notice element

function box() {
  let b = document.getElementById('csr-notices');
  if (!b) {
    b = h('div', { id: 'csr-notices', class: 'notices', role: 'status', 'aria-live': 'polite' });
    document.body.append(b);
  }
  return b;
}

function dismiss(session) {
  const el = shown.get(session);
  if (el) el.remove();
  shown.delete(session);
}

function show(n) {
  // Already in that session (a second tab opened it): nothing to say.
  if (location.hash === `#/session/${n.session_id}`) return;
  dismiss(n.session_id);
  const what = n.tracking_code || n.session_type;
  const el = h('div', { class: 'notice-card', dataset: { session: n.session_id } },
    h('span', { class: 'notice-text', text: `${displayable(n.by)} invites you to session ${displayable(what)}` }),
    h('div', { class: 'row' },
      h('button', { class: 'primary small', onclick: () => { dismiss(n.session_id); location.hash = `#/session/${n.session_id}`; } }, 'Join'),
      h('button', { class: 'small', onclick: () => dismiss(n.session_id) }, 'Later')));
  shown.set(n.session_id, el);
  box().append(el);
}

/** Listens for notices of the signed-in CSR (again after a sign-in). */
export function startNotices() {
  if (source) return;
  source = new EventSource('/api/notices');
  source.addEventListener('invited', (ev) => {
    try { show(JSON.parse(ev.data)); } catch { /* not ours */ }
  });
}

/** Stops listening and clears the notices (sign-out). */
export function stopNotices() {
  if (source) source.close();
  source = null;
  for (const s of [...shown.keys()]) dismiss(s);
}

/** The console opened `session`: its invitation is answered. */
export function sessionOpened(session) {
  dismiss(session);
}
