// The Queue panel of the start page (issue 16, rule S3): the customers waiting in this CSR's
// teams, longest waiting first, with what they asked and wrote and how long they have waited;
// the CSR's Available/Away switch; "Take next" and "Take" on each. Taking starts a session
// with the CSR as host and the customer is seated in it from their waiting page; the console
// opens the session. The panel asks every 3 s while it is on the page (that also tells
// customers someone is at their console). Customers' words are shown as text only.
import { api } from './api.js';
import { LivePanel } from './live_panel.js';
import { h, fill, fmtDuration, fmtClock } from './dom.js';

const EVERY_MS = 3000;

/** The panel; it stops asking once it is no longer in the page. */
export function queuePanel() {
  const panel = new QueuePanel();
  panel.poll();
  return panel.el;
}

class QueuePanel extends LivePanel {
  constructor() {
    super(EVERY_MS);
    this.shown = '';
    this.data = null;
    this.busy = false;
    this.toggle = h('button', { class: 'availability', id: 'queue-availability', 'aria-pressed': 'true', onclick: () => this.setAvailable(!this.data?.available) }, 'Available');
    this.next = h('button', { class: 'primary', id: 'queue-take-next', onclick: () => this.take(null) }, 'Take next');
    this.count = h('span', { class: 'muted', id: 'queue-sessions' });
    this.teams = h('p', { class: 'muted queue-teams' });
    this.rows = h('div', { class: 'queue-rows', id: 'queue-rows' });
    this.problem = h('p', { class: 'error', id: 'queue-problem', role: 'alert', hidden: true });
    this.el = h('section', { class: 'card wide queue-panel', id: 'queue-panel', 'aria-label': 'Queue' },
      h('div', { class: 'queue-head' }, h('h2', { text: 'Queue' }), this.count, this.toggle, this.next),
      this.teams, this.problem, this.rows);
  }

  async fetch() {
    this.data = await api('GET', '/api/queue');
    this.at = Date.now(); // the waits count up from this answer
    this.render();
  }

  render() {
    const d = this.data;
    this.toggle.textContent = d.available ? 'Available' : 'Away';
    this.toggle.className = `availability ${d.available ? 'available' : 'away'}`;
    this.toggle.setAttribute('aria-pressed', String(d.available));
    this.toggle.title = d.available ? 'You take customers from the queue. Click to go away.' : 'You take no customers. Click to be available.';
    this.next.disabled = this.busy || !d.available || !d.waiting.length;
    this.count.textContent = `In ${d.in_sessions} of at most ${d.max_sessions} sessions`;
    if (!d.teams.length) fill(this.teams, 'You are in no team: customers reach you by invitation only.');
    else fill(this.teams, 'Your teams: ', d.teams.map((t, i) => [i ? ', ' : '', h('a', { href: t.page, target: '_blank', rel: 'noopener', text: t.name }),
      t.role === 'lead' ? ' (team lead)' : '']));
    // Redrawn only when who waits or what they wrote changed (the waits tick in place).
    const key = JSON.stringify(d.waiting.map((w) => [w.id, w.messages.length]));
    if (key === this.shown) return this.tick();
    this.shown = key;
    fill(this.rows, d.waiting.length ? d.waiting.map((w) => this.row(w)) : h('p', { class: 'muted', id: 'queue-empty', text: 'Nobody is waiting.' }));
    this.tick();
  }

  row(w) {
    return h('div', { class: 'queue-row', dataset: { entry: w.id } },
      h('div', {}, h('span', { class: 'who', text: w.name }), ' ',
        h('span', { class: 'muted', text: `${w.team} · waiting ` }), h('span', { class: 'muted waited', dataset: { ms: String(w.waited_ms) } }),
        w.email ? h('span', { class: 'muted', text: ` · ${w.email}` }) : null),
      h('div', { class: 'description', text: w.description }),
      w.messages.length ? h('ol', { class: 'said', 'aria-label': `Messages from ${w.name}` }, w.messages.map((m) => h('li', {},
        h('span', { class: 'meta', text: fmtClock(m.at_ms) }), h('span', { class: 'text', text: m.text })))) : null,
      h('div', { class: 'actions' }, h('button', { class: 'primary take', disabled: this.busy || !this.data.available, onclick: () => this.take(w.id) }, 'Take')));
  }

  /** The waits, counted on from the last answer. */
  tick() {
    if (!this.alive()) return;
    const since = Date.now() - this.at;
    for (const s of this.rows.querySelectorAll('.waited')) s.textContent = fmtDuration(Number(s.dataset.ms) + since);
  }

  async setAvailable(available) {
    try {
      await api('PUT', '/api/queue/availability', { available });
      this.say(null);
    } catch (e) { this.say(e); }
    this.shown = '';
    this.poll();
  }

  /** Takes a customer (`null`: the next) and opens the session. */
  async take(id) {
    if (this.busy) return;
    this.busy = true;
    this.say(null);
    for (const b of this.el.querySelectorAll('button.take, #queue-take-next')) b.disabled = true;
    try {
      const r = await api('POST', id ? `/api/queue/${encodeURIComponent(id)}/take` : '/api/queue/next', {});
      location.hash = `#/session/${r.session_id}`;
    } catch (e) {
      this.say(e.code === 'not_found' && !id ? { message: 'Nobody is waiting in your teams.', code: e.code } : e);
    } finally {
      this.busy = false;
      this.shown = '';
      if (this.alive()) this.poll();
    }
  }
}
