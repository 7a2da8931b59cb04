// A team's "Get help" page, /help/<slug> (issue 16, rule S3): the customer asks for help, then
// waits here, seeing their place and the estimated wait as they change (the page asks every few
// seconds), and may write short messages to the team. When a support representative takes
// them, the page is given an invitation into the session: it redeems it like the customer page
// does and moves to it (/join), where the session runs in the browser and the support agent is
// offered for the same seat. The ticket stays in this tab (sessionStorage), so a reload keeps
// the place; closing the page for more than two minutes gives it up.
// Everything the team and the customer wrote is shown as text (dom.js).
import { h, fill, fmtClock } from '../dom.js';
import { redeem, storedSeat } from '../customer/seat.js';

const root = document.getElementById('queue');

/** A POST to the queue's API: `{ok, body}`; a network failure is `{ok: false, body: {code: 'unavailable'}}`. */
async function post(path, body) {
  try {
    const res = await fetch(path, { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    let data = null;
    try { data = await res.json(); } catch { /* said below */ }
    if (res.ok && data) return { ok: true, body: data };
    return { ok: false, body: data && data.code ? data : { code: 'unavailable', message: 'The support server answered something unexpected. Try again.' } };
  } catch {
    return { ok: false, body: { code: 'unavailable', message: 'The support server cannot be reached. Check your connection; we keep trying.' } };
  }
}

const said = (e) => `${e.message || 'That did not work.'} (${e.code || 'unavailable'})`;

function minutes(ms) {
  if (ms === null || ms === undefined) return 'a few minutes';
  const m = Math.max(1, Math.round(ms / 60000));
  return m === 1 ? 'about 1 minute' : `about ${m} minutes`;
}

class Waiting {
  constructor(el, team) {
    this.el = el;
    this.team = team;
    this.key = `queue-ticket:${team}`;
    this.timer = null;
    this.stopped = false;
    this.teamName = (el.querySelector('h1')?.textContent || '').replace(/^Get help from /, '');
  }

  saved() {
    try { return JSON.parse(sessionStorage.getItem(this.key) || 'null'); } catch { return null; }
  }

  save(v) {
    try {
      if (v) sessionStorage.setItem(this.key, JSON.stringify(v));
      else sessionStorage.removeItem(this.key);
    } catch { /* storage off: a reload asks again */ }
  }

  start() {
    if (storedSeat()) return location.replace('/join');
    const saved = this.saved();
    if (saved && typeof saved.ticket === 'string') return this.wait(saved);
    this.form();
  }

  /** The server-rendered form, made to send. */
  form() {
    const form = this.el.querySelector('#ask-form');
    const problem = this.el.querySelector('#ask-problem');
    const desc = this.el.querySelector('#ask-description');
    const left = this.el.querySelector('#ask-description-left');
    const max = Number(desc.getAttribute('maxlength')) || 500;
    desc.addEventListener('input', () => { left.textContent = `${max - desc.value.length} characters left.`; });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      const button = this.el.querySelector('#ask-button');
      button.disabled = true;
      const name = this.el.querySelector('#ask-name').value.trim();
      const email = this.el.querySelector('#ask-email').value.trim();
      const r = await post('/api/waiting', { team: this.team, name, description: desc.value.trim(), email: email || undefined });
      button.disabled = false;
      if (!r.ok) {
        problem.textContent = said(r.body);
        problem.hidden = false;
        return;
      }
      const saved = { ticket: r.body.ticket, name, sent: [] };
      this.save(saved);
      this.wait(saved);
    });
    this.el.querySelector('#ask-name').focus();
  }

  /** The waiting view; asks for news until taken, gone or left. */
  wait(saved) {
    this.ticket = saved.ticket;
    this.name = saved.name;
    this.place = h('p', { class: 'queue-place', id: 'queue-place', text: 'Finding your place in line…' });
    this.estimate = h('p', { class: 'queue-estimate', id: 'queue-estimate' });
    this.nobody = h('p', { class: 'notice', id: 'queue-nobody', hidden: true, text: 'No support representative is available at this moment. You keep your place; someone takes you as soon as they can.' });
    this.state = h('p', { class: 'error', id: 'queue-problem', role: 'alert', hidden: true });
    this.messages = h('ol', { class: 'queue-messages', id: 'queue-messages', 'aria-label': 'Your messages to support' });
    const text = h('textarea', { id: 'queue-message', maxlength: Number(this.el.dataset.messageMax) || 500, rows: 2, placeholder: 'Anything support should know before they take you' });
    const sendProblem = h('p', { class: 'error', id: 'queue-message-problem', role: 'alert', hidden: true });
    const send = h('button', { type: 'submit', class: 'primary', id: 'queue-send' }, 'Send');
    const form = h('form', { class: 'queue-write', onsubmit: async (ev) => {
      ev.preventDefault();
      const t = text.value.trim();
      if (!t) return;
      send.disabled = true;
      sendProblem.hidden = true;
      const r = await post('/api/waiting/messages', { ticket: this.ticket, text: t });
      send.disabled = false;
      if (!r.ok) {
        sendProblem.textContent = said(r.body);
        sendProblem.hidden = false;
        return;
      }
      text.value = '';
      this.poll();
    } }, h('label', { for: 'queue-message' }, 'Write to support while you wait'), text, h('div', { class: 'row' }, send), sendProblem);
    const leave = h('button', { id: 'queue-leave', onclick: () => this.leave() }, 'Leave the queue');
    fill(this.el, h('h1', { text: `Waiting for ${this.teamName || 'support'}` }),
      h('section', { class: 'queue-status', 'aria-live': 'polite' }, this.place, this.estimate, this.nobody),
      this.state,
      h('p', { class: 'muted', text: 'Keep this page open: it shows when support takes you. If it stays closed for more than two minutes, your place is given up.' }),
      h('section', { class: 'queue-chat' }, h('h2', { text: 'Your messages' }), this.messages, form),
      h('div', { class: 'row' }, leave));
    this.poll();
  }

  schedule(ms) {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => this.poll(), ms);
  }

  async poll() {
    if (this.stopped) return;
    const r = await post('/api/waiting/news', { ticket: this.ticket });
    if (this.stopped) return;
    if (!r.ok) {
      if (['not_in_queue', 'session_ended'].includes(r.body.code)) return this.gone(r.body);
      this.state.textContent = said(r.body);
      this.state.hidden = false;
      return this.schedule(5000);
    }
    this.state.hidden = true;
    const n = r.body;
    if (n.state === 'waiting') this.show(n);
    else if (n.state === 'taking') {
      this.place.textContent = 'A support representative is taking you into a session…';
      this.estimate.textContent = '';
      this.nobody.hidden = true;
    } else if (n.state === 'ready') return this.seat(n);
    this.schedule(n.poll_ms || 3000);
  }

  show(n) {
    this.place.textContent = n.place === 1 ? `You are next in line (place 1 of ${n.waiting}).` : `Your place in line: ${n.place} of ${n.waiting}.`;
    this.place.dataset.place = String(n.place);
    this.estimate.textContent = `Estimated wait: ${minutes(n.estimate_ms)}.`;
    this.nobody.hidden = !!n.available;
    fill(this.messages, (n.messages || []).map((m) => h('li', {},
      h('span', { class: 'meta', text: fmtClock(m.at_ms) }), h('span', { class: 'text', text: m.text }))));
  }

  /** Taken: redeem the invitation made for this page and go into the session. */
  async seat(n) {
    this.stopped = true;
    this.place.textContent = 'Support is ready for you. Joining the session…';
    this.estimate.textContent = '';
    try {
      await redeem({ link: n.invitation }, n.name || this.name);
    } catch (e) {
      this.stopped = false;
      this.state.textContent = said(e);
      this.state.hidden = false;
      return this.schedule(3000);
    }
    this.save(null);
    location.replace('/join');
  }

  async leave() {
    this.stopped = true;
    clearTimeout(this.timer);
    await post('/api/waiting/leave', { ticket: this.ticket });
    this.save(null);
    this.ended('You left the queue.');
  }

  gone(e) {
    this.stopped = true;
    this.save(null);
    this.ended(said(e));
  }

  ended(text) {
    fill(this.el, h('h1', { text: 'You are not in line' }), h('p', { id: 'queue-ended', text }),
      h('div', { class: 'row' }, h('button', { class: 'primary', id: 'queue-again', onclick: () => location.reload() }, 'Ask for help again')));
  }
}

if (root && root.dataset.team) new Waiting(root, root.dataset.team).start();
