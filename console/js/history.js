// Session history (S22): past sessions with type, tracking code, participants, duration,
// notes and the consent log, from the session record.
import { api, describe, showError } from './api.js';
import { h, fill, fmtTime, fmtDuration, fmtBytes } from './dom.js';
import { displayable } from './policy.js';

const PAGE = 200;

/** The report filters of the form, as a query string (issue 16). */
function filterQuery(f) {
  const q = new URLSearchParams();
  if (f.csr) q.set('csr', f.csr);
  if (f.tracking) q.set('tracking', f.tracking);
  if (f.type) q.set('session_type', f.type);
  if (f.team) q.set('team', f.team);
  if (f.minRating) q.set('min_rating', f.minRating);
  // Dates are the CSR's local days: from the start of "from" to the end of "to".
  if (f.from) q.set('from', String(new Date(`${f.from}T00:00`).getTime()));
  if (f.to) q.set('to', String(new Date(`${f.to}T00:00`).getTime() + 86_400_000));
  return q.toString();
}

export async function renderHistory(root, filters = {}) {
  fill(root, h('p', { class: 'muted', text: 'Loading…' }));
  const query = filterQuery(filters);
  const and = query ? `&${query}` : '';
  let list;
  let types = [];
  let teams = [];
  try {
    [list, types, teams] = await Promise.all([api('GET', `/api/sessions?limit=${PAGE}${and}`), api('GET', '/api/session-types').catch(() => []),
      api('GET', '/api/reports/teams').catch(() => [])]);
  } catch (e) {
    return fill(root, h('p', { class: 'error', role: 'alert', text: describe(e) }));
  }
  const now = Date.now();
  const row = (s) => h('tr', { dataset: { session: s.id } },
    h('td', {}, h('a', { href: `#/history/${s.id}` }, fmtTime(s.started_at))),
    h('td', { text: s.session_type }),
    h('td', { class: 'team-cell', text: s.team || '' }),
    h('td', { text: s.tracking_code || '' }),
    h('td', { text: s.started_by }),
    h('td', { text: fmtDuration((s.ended_at || now) - s.started_at) }),
    h('td', {}, s.ended_at ? 'ended' : h('a', { href: `#/session/${s.id}` }, 'live: open')),
    h('td', { class: 'rating-cell', title: s.feedback || '', text: s.rating == null ? '' : `★ ${s.rating}` }),
    h('td', { class: 'notes-cell', text: s.notes.length > 80 ? `${s.notes.slice(0, 80)}…` : s.notes }));
  const body = h('tbody', {}, list.map(row));
  // Older sessions a page at a time, after the last one shown.
  const more = h('button', { id: 'history-more', onclick: async () => {
    const last = list[list.length - 1];
    more.disabled = true;
    try {
      const page = await api('GET', `/api/sessions?limit=${PAGE}&before=${encodeURIComponent(`${last.started_at}:${last.id}`)}${and}`);
      list = list.concat(page);
      body.append(...page.map(row));
      more.hidden = page.length < PAGE;
    } catch (e) {
      showError(e);
    }
    more.disabled = false;
  } }, 'Show older sessions');
  more.hidden = list.length < PAGE;
  const field = (id, label, input) => h('label', { for: id }, label, ' ', input);
  const csr = h('input', { id: 'filter-csr', value: filters.csr || '', maxlength: 128, autocomplete: 'off', placeholder: 'user name' });
  const tracking = h('input', { id: 'filter-tracking', value: filters.tracking || '', maxlength: 128, autocomplete: 'off' });
  const type = h('select', { id: 'filter-type' }, h('option', { value: '' }, 'any'),
    types.map((t) => h('option', { value: String(t.id), selected: String(t.id) === filters.type }, t.name)));
  const team = h('select', { id: 'filter-team' }, h('option', { value: '' }, 'any'),
    teams.map((t) => h('option', { value: String(t.team_id), selected: String(t.team_id) === String(filters.team || '') }, displayable(t.team))));
  const from = h('input', { id: 'filter-from', type: 'date', value: filters.from || '' });
  const to = h('input', { id: 'filter-to', type: 'date', value: filters.to || '' });
  const minRating = h('select', { id: 'filter-rating' }, h('option', { value: '' }, 'any'),
    [1, 2, 3, 4, 5].map((n) => h('option', { value: String(n), selected: String(n) === filters.minRating }, n === 5 ? '★ 5' : `★ ${n} or more`)));
  const form = h('form', { class: 'row history-filters', id: 'history-filters', onsubmit: (ev) => {
    ev.preventDefault();
    renderHistory(root, { csr: csr.value.trim(), tracking: tracking.value.trim(), type: type.value, team: team.value, from: from.value, to: to.value, minRating: minRating.value });
  } }, field('filter-csr', 'CSR', csr), field('filter-tracking', 'Tracking code', tracking), field('filter-type', 'Type', type), field('filter-team', 'Team', team),
  field('filter-from', 'From', from), field('filter-to', 'To', to), field('filter-rating', 'Rating', minRating),
  h('button', { type: 'submit', class: 'primary' }, 'Show'),
  h('a', { class: 'button', id: 'history-csv', href: `/api/sessions.csv${query ? `?${query}` : ''}`, download: 'sessions.csv' }, 'Export CSV'));
  fill(root, h('section', { class: 'card wide' }, h('h1', { text: 'Session history' }), form,
    list.length ? [h('table', { class: 'grid', id: 'history' },
      h('thead', {}, h('tr', {}, ['Started', 'Type', 'Team', 'Tracking code', 'Started by', 'Duration', 'State', 'Rating', 'Notes'].map((t) => h('th', { text: t })))),
      body), more] : h('p', { class: 'muted', id: 'history-empty', text: query ? 'No session matches.' : 'No sessions yet.' })));
}

/** Every entry of the record whose kind starts with `kind`, page after page. */
async function allOf(id, kind) {
  let entries = [];
  let after = 0;
  for (;;) {
    const d = await api('GET', `/api/sessions/${encodeURIComponent(id)}?kind=${kind}&after=${after}`);
    entries = entries.concat(d.record);
    if (d.next == null) return entries;
    after = d.next;
  }
}

const KIND_TEXT = {
  started: 'session started', invited: 'customer invited', invitation_revoked: 'invitation withdrawn', joined: 'joined', left: 'left',
  presence_changed: 'presence', host_changed: 'control transferred', primary_changed: 'primary customer changed',
  consent_requested: 'permission asked', consent_granted: 'permission granted', consent_denied: 'permission refused',
  consent_revoked: 'permission revoked', activity_started: 'started', activity_stopped: 'stopped', ended: 'session ended',
  chat: 'chat', notes_saved: 'notes saved', recording_saved: 'recording saved', recording_chat_saved: 'recording chat saved',
};
const CHAT_FORMAT = { vtt: 'chat as subtitles, WebVTT', txt: 'chat as text' };

export async function renderHistoryDetail(root, id) {
  fill(root, h('p', { class: 'muted', text: 'Loading…' }));
  let d;
  try {
    d = await api('GET', `/api/sessions/${encodeURIComponent(id)}`);
  } catch (e) {
    return fill(root, h('p', { class: 'error', role: 'alert', text: describe(e) }), h('a', { href: '#/history' }, 'Back to history'));
  }
  const s = d.session;
  // Every name with its role in front ("CSR Alice", "customer Dana"): no one passes for support.
  const names = new Map(d.participants.map((p) => [p.id, `${p.role === 'csr' ? 'CSR' : 'customer'} ${displayable(p.name)}`]));
  const who = (pid) => (pid ? names.get(pid) || pid : '');
  const describeEntry = (e) => {
    const x = e.detail || {};
    const parts = [];
    if (x.capability) parts.push(x.capability.replaceAll('_', ' '));
    if (x.activity) parts.push(String(x.activity).replaceAll('_', ' '));
    if (x.customer) parts.push(`customer ${who(x.customer)}`);
    if (x.reason) parts.push(`(${x.reason.replaceAll('_', ' ')})`);
    if (x.from || x.to) parts.push(`${who(x.from)} → ${who(x.to)}`);
    if (x.id && !e.kind.startsWith('recording_')) parts.push(who(x.id));
    if (x.length !== undefined) parts.push(`${x.length} characters`);
    if (x.bytes !== undefined) parts.push(fmtBytes(x.bytes));
    return parts.join(' ');
  };
  // The record is read a page at a time; the consent log and recordings are read whole.
  let consent;
  let kept;
  try {
    [consent, kept] = await Promise.all([allOf(id, 'consent_'), allOf(id, 'recording_')]);
  } catch (e) {
    return fill(root, h('p', { class: 'error', role: 'alert', text: describe(e) }), h('a', { href: '#/history' }, 'Back to history'));
  }
  const recordings = kept.filter((e) => e.kind === 'recording_saved');
  const chats = new Map(kept.filter((e) => e.kind === 'recording_chat_saved').map((e) => [e.detail.recording, e.detail.format]));
  const rows = (entries) => entries.map((e) => h('tr', { dataset: { kind: e.kind } },
    h('td', { text: fmtTime(e.at_ms) }), h('td', { text: KIND_TEXT[e.kind] || e.kind }), h('td', { text: who(e.actor) }), h('td', { text: describeEntry(e) })));
  const table = (entries, body = h('tbody', {}, rows(entries))) => h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, ['Time', 'What', 'Who', 'Details'].map((t) => h('th', { text: t })))), body);
  const fullBody = h('tbody', {}, rows(d.record));
  let next = d.next;
  const more = h('button', { id: 'record-more', hidden: next == null, onclick: async () => {
    more.disabled = true;
    try {
      const page = await api('GET', `/api/sessions/${encodeURIComponent(id)}?after=${next}`);
      fullBody.append(...rows(page.record));
      next = page.next;
      more.hidden = next == null;
    } catch (e) {
      showError(e);
    }
    more.disabled = false;
  } }, 'Show more of the record');
  fill(root, h('section', { class: 'card wide', id: 'history-detail' },
    h('p', {}, h('a', { href: '#/history' }, '← History')),
    h('h1', { text: `${s.session_type}${s.tracking_code ? ' · ' + s.tracking_code : ''}` }),
    h('table', { class: 'kv' },
      h('tr', {}, h('th', { text: 'Session' }), h('td', { text: s.id })),
      h('tr', {}, h('th', { text: 'Started' }), h('td', { text: `${fmtTime(s.started_at)} by ${s.started_by}` })),
      h('tr', {}, h('th', { text: 'Ended' }), h('td', { id: 'history-ended', text: s.ended_at ? fmtTime(s.ended_at) : 'still live' })),
      h('tr', {}, h('th', { text: 'Duration' }), h('td', { text: fmtDuration((s.ended_at || Date.now()) - s.started_at) })),
      h('tr', {}, h('th', { text: 'Rating' }), h('td', { id: 'history-rating', text: s.rating == null ? (s.ended_at ? 'not rated' : '') : `★ ${s.rating} of 5${s.feedback ? ` — “${s.feedback}”` : ''}` }))),
    s.ended_at ? null : h('p', {}, h('a', { href: `#/session/${s.id}`, class: 'button' }, 'Open the live session')),
    h('h2', { text: 'Participants' }),
    h('ul', { id: 'history-participants' }, d.participants.map((p) => h('li', { text: `${displayable(p.name)} (${p.role === 'csr' ? 'CSR' : 'customer'}), joined ${fmtTime(p.joined_at)}${p.left_at ? `, left ${fmtTime(p.left_at)}` : ''}` }))),
    h('h2', { text: 'Notes' }),
    h('pre', { class: 'notes-view', id: 'history-notes', text: s.notes || '(no notes)' }),
    recordings.length ? [h('h2', { text: 'Recordings' }), h('ul', {}, recordings.map((r) => h('li', {},
      h('a', { href: `/api/sessions/${s.id}/recordings/${r.detail.recording}`, download: '' }, `${fmtTime(r.at_ms)}, ${fmtBytes(r.detail.bytes)} (WebM)`),
      chats.has(r.detail.recording) ? [' · ', h('a', { href: `/api/sessions/${s.id}/recordings/${r.detail.recording}/chat`, download: '' },
        CHAT_FORMAT[chats.get(r.detail.recording)] || 'chat')] : null)))] : null,
    h('h2', { text: 'Consent log' }),
    consent.length ? h('div', { id: 'consent-log' }, table(consent)) : h('p', { class: 'muted', text: 'Nothing was asked of the customer.' }),
    h('details', {}, h('summary', { text: 'Full session record' }), table(null, fullBody), more)));
}
