// The team lead's view (issue 16), #/team: the live sessions of the teams this CSR leads
// (every live session for the site admin) with who takes part and who holds control, asked
// for again every 3 s; "Observe" joins one as an observer (the customer is told) and opens it.
// Below, each team's figures over a period: sessions, their length, the wait in the queue,
// customers who gave up waiting, and the rating. Names are shown as text only.
import { api } from './api.js';
import { h, fill, fmtDuration, fmtTime } from './dom.js';
import { displayable } from './policy.js';
import { LivePanel } from './live_panel.js';

const EVERY_MS = 3000;
const DAY = 86_400_000;
const PERIODS = [['today', 'Today'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['all', 'All time']];

/** The view; it stops asking once it is no longer in the page. */
export function renderTeam(root) {
  const view = new TeamView();
  fill(root, view.el);
  view.poll();
  view.figures();
}

class TeamView extends LivePanel {
  constructor() {
    super(EVERY_MS);
    this.rows = h('tbody', { id: 'team-live-rows' });
    this.empty = h('p', { class: 'muted', id: 'team-live-empty', hidden: true, text: 'No session of your teams is live.' });
    this.problem = h('p', { class: 'error', role: 'alert', hidden: true });
    this.period = h('select', { id: 'team-period', onchange: () => this.figures() }, PERIODS.map(([v, t]) => h('option', { value: v, selected: v === '30' }, t)));
    this.figuresBody = h('tbody', { id: 'team-figures-rows' });
    this.live = [];
    this.el = h('div', { class: 'team-view' },
      h('section', { class: 'card wide', id: 'team-live', 'aria-label': 'Live sessions' },
        h('h1', { text: 'Live sessions of your teams' }),
        h('p', { class: 'muted', text: 'Observe a session to see who takes part, what runs and the chat; the customer is told. From there you can take it over.' }),
        this.problem,
        h('table', { class: 'grid' },
          h('thead', {}, h('tr', {}, ['Team', 'Type', 'Tracking code', 'Host', 'Customers', 'Others', 'Running for', ''].map((t) => h('th', { text: t })))),
          this.rows),
        this.empty),
      h('section', { class: 'card wide', id: 'team-reports', 'aria-label': 'Team figures' },
        h('div', { class: 'row' }, h('h2', { text: 'Team figures' }), h('label', { for: 'team-period' }, 'Period ', this.period)),
        h('table', { class: 'grid', id: 'team-figures' },
          h('thead', {}, h('tr', {}, ['Team', 'Sessions', 'Ended', 'Mean length', 'Taken from the queue', 'Mean wait', 'Gave up waiting', 'Ratings', 'Mean rating']
            .map((t) => h('th', { text: t })))),
          this.figuresBody)));
  }

  async fetch() {
    this.live = await api('GET', '/api/team/sessions');
    this.say(null);
    this.render();
  }

  render() {
    const names = (list) => list.map((p) => `${displayable(p.name)}${p.online ? '' : ' (away)'}`).join(', ');
    fill(this.rows, this.live.map((s) => {
      const customers = s.people.filter((p) => p.role === 'customer');
      const others = s.people.filter((p) => p.role === 'csr' && !p.host);
      const action = s.seated
        ? h('a', { class: 'button small', href: `#/session/${s.id}` }, 'Open')
        : h('button', { class: 'small primary observe', onclick: (ev) => this.observe(s, ev.target) }, 'Observe');
      return h('tr', { dataset: { session: s.id } },
        h('td', { text: s.team ? displayable(s.team) : '—' }),
        h('td', { text: displayable(s.session_type) }),
        h('td', { text: s.tracking_code ? displayable(s.tracking_code) : '' }),
        h('td', { class: 'host-cell', text: displayable(s.host) }),
        h('td', { class: 'customers-cell', text: names(customers) || 'nobody yet' }),
        h('td', { class: 'others-cell', text: others.map((p) => `${displayable(p.name)}${p.observer ? ' (observing)' : ''}`).join(', ') }),
        h('td', { class: 'since', dataset: { since: String(s.started_at) }, title: fmtTime(s.started_at) }),
        h('td', {}, action));
    }));
    this.empty.hidden = this.live.length > 0;
    this.tick();
  }

  tick() {
    if (!this.alive()) return;
    const now = Date.now();
    for (const td of this.rows.querySelectorAll('td.since')) td.textContent = fmtDuration(now - Number(td.dataset.since));
  }

  async observe(s, button) {
    button.disabled = true;
    try {
      await api('POST', `/api/sessions/${encodeURIComponent(s.id)}/observe`);
      location.hash = `#/session/${s.id}`;
    } catch (e) {
      this.say(e);
      button.disabled = false;
    }
  }

  async figures() {
    const p = this.period.value;
    const q = new URLSearchParams();
    if (p === 'today') q.set('from', String(new Date(new Date().toDateString()).getTime()));
    else if (p !== 'all') q.set('from', String(Date.now() - Number(p) * DAY));
    let list;
    try {
      list = await api('GET', `/api/reports/teams?${q}`);
    } catch (e) {
      return this.say(e);
    }
    const ms = (v) => (v == null ? '—' : fmtDuration(v));
    fill(this.figuresBody, list.length ? list.map((t) => h('tr', { dataset: { team: String(t.team_id) } },
      h('td', {}, h('a', { href: `#/history?team=${t.team_id}`, text: displayable(t.team) })),
      h('td', { text: String(t.sessions) }),
      h('td', { text: String(t.ended) }),
      h('td', { text: ms(t.mean_duration_ms) }),
      h('td', { text: String(t.taken_from_queue) }),
      h('td', { text: ms(t.mean_wait_ms) }),
      h('td', { text: String(t.gave_up) }),
      h('td', { text: String(t.ratings) }),
      h('td', { class: 'rating-cell', text: t.mean_rating == null ? '—' : `★ ${t.mean_rating}` }))) : h('tr', {}, h('td', { colspan: 9, class: 'muted', text: 'You are in no team.' })));
  }
}
