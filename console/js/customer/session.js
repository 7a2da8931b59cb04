// The customer in a support session, in the browser: the signaling WebSocket (hello with the
// seat's token and `client: "browser"`), Who is here, the questions support asks (S21), what is
// allowed now with Stop and Stop everything, chat with send-to (S7), and Leave (S19). The
// connection to each CSR's console and what runs over it (screen, call and video, files,
// system information) are in links.js and the feature modules.
// Names and chat are untrusted: shown only as text (dom.js), hidden characters removed.
import { h, fill, dialog, fmtClock } from '../dom.js';
import { displayable } from '../policy.js';
import { PROTOCOL_VERSION } from '../peer.js';
import { SignalingSocket } from '../socket.js';
import { forgetSeat } from './seat.js';
import { toAgentBox } from './to_agent.js';
import { surveyBox } from './survey.js';
import { asksTo, question, needsAgent, scopeWords } from './consent.js';
import { Links } from './links.js';
import { ShareFeature } from './share.js';
import { MediaFeature } from './media.js';
import { FilesFeature } from './files.js';
import { SysinfoFeature } from './sysinfo.js';

/** Close reasons after which reconnecting cannot help. */
const FINAL = ['session_ended', 'not_in_session', 'token_invalid', 'protocol_version_mismatch', 'invalid_message'];

export class CustomerSession {
  /** `rejoined`: this tab held the seat before (a reload): the CSRs' consoles connect afresh. */
  constructor(root, seat, rejoined = false) {
    this.root = root;
    this.seat = seat;
    this.rejoined = rejoined;
    this.me = seat.participant_id;
    this.roster = null;
    this.people = new Map(); // id -> {name, role, online}, as of the last roster
    this.asked = new Set(); // requests already answered or shown
    this.allowedHere = new Set(); // requests this page allowed (before the roster says so)
    this.iceServers = [];
    this.closed = false;
    this.links = new Links(this);
  }

  start() {
    this.render();
    this.connect();
  }

  // ---------- layout ----------

  render() {
    this.share = new ShareFeature(this);
    this.media = new MediaFeature(this);
    this.files = new FilesFeature(this);
    this.features = [this.share, this.media, this.files, new SysinfoFeature(this)];
    this.status = h('span', { class: 'conn muted', id: 'connection-state', role: 'status', text: 'connecting…' });
    this.stopAll = h('button', { id: 'stop-everything', class: 'danger', disabled: true, onclick: () => this.stopEverything() }, 'Stop everything');
    this.who = h('ul', { class: 'who', id: 'who-is-here', 'aria-label': 'Who is here' });
    this.allowed = h('ul', { class: 'allowed', id: 'allowed-now', 'aria-label': 'Allowed now' });
    this.chatLog = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite' });
    this.chatTo = h('select', { id: 'chat-to', 'aria-label': 'Send to' });
    this.chatText = h('input', { id: 'chat-text', maxlength: 4000, autocomplete: 'off', placeholder: 'Message' });
    this.happened = h('ol', { class: 'happened', id: 'what-happened', 'aria-live': 'polite' });
    fill(this.root, h('div', { class: 'customer-session' },
      h('header', { class: 'customer-bar' },
        h('strong', { text: 'Support session' }), this.status,
        h('span', { class: 'push-right' }), this.stopAll,
        h('button', { id: 'leave', onclick: () => this.leave() }, 'Leave')),
      h('div', { class: 'notice', id: 'browser-note' },
        h('p', { text: 'You joined in your browser. Support can talk and chat with you here, see a screen, window or tab you choose and exchange files with you. Controlling your computer and its folders need the support agent, a program for your computer.' }),
        toAgentBox(this.seat.token, () => { this.toAgent = true; })),
      h('section', {}, h('h2', { text: 'Who is here' }), this.who),
      h('section', {}, h('h2', { text: 'Allowed now' }), this.allowed),
      this.features.map((f) => f.element || null),
      h('section', { class: 'chat' }, h('h2', { text: 'Chat' }), this.chatLog,
        h('form', { class: 'row chat-form', onsubmit: (ev) => { ev.preventDefault(); this.sendChat(); } },
          h('label', { for: 'chat-to' }, 'Send to'), this.chatTo, this.chatText,
          h('button', { type: 'submit', class: 'primary', id: 'chat-send' }, 'Send'))),
      h('section', {}, h('h2', { text: 'What happened' }), this.happened)));
    this.renderAllowed();
  }

  // ---------- signaling ----------

  connect() {
    this.socket = new SignalingSocket({
      hello: () => ({ type: 'hello', protocol_version: PROTOCOL_VERSION, token: this.seat.token, client: 'browser' }),
      onMessage: (msg) => this.onServer(msg),
      final: FINAL,
      onFinal: (reason) => this.finish(reason),
      onDown: () => { this.status.textContent = 'reconnecting…'; },
      stopped: () => this.closed,
      refPrefix: 'c',
    });
    this.socket.connect();
  }

  /** Sends to signaling; `quiet`: no line when not connected (WebRTC signals retry on their own). */
  send(msg, quiet = false) {
    const ref = this.socket.send(msg);
    if (!ref && !quiet) this.line('Not connected to the support server right now. Wait for the reconnection and try again.');
    return ref;
  }

  onServer(msg) {
    switch (msg.type) {
      case 'welcome':
        this.me = msg.you;
        this.iceServers = msg.ice_servers || [];
        this.status.textContent = 'connected';
        break;
      case 'roster':
        this.onRoster(msg.roster);
        break;
      case 'signal':
        if (typeof msg.from === 'string' && msg.payload && this.people.get(msg.from)?.role === 'csr') this.links.onSignal(msg.from, msg.payload);
        break;
      case 'chat':
        this.chatLog.append(this.chatLine(msg));
        this.chatLog.scrollTop = this.chatLog.scrollHeight;
        break;
      case 'chat_history':
        fill(this.chatLog, (msg.lines || []).map((l) => this.chatLine(l)));
        break;
      case 'event':
        this.onEvent(msg);
        break;
      case 'error':
        if (msg.code === 'session_ended') this.finish('session_ended');
        else this.line(`${msg.message} (${msg.code})`);
        break;
      default:
        break;
    }
  }

  onEvent(ev) {
    switch (ev.event) {
      case 'consent_granted':
        if (ev.customer === this.me) this.line(`Allowed ${scopeWords(ev.scope)}: ${this.name(ev.csr)} may ${asksTo(ev.capability)}.`);
        break;
      case 'consent_revoked':
        if (ev.customer === this.me) this.line(`Stopped: support may no longer ${asksTo(ev.capability)}.`);
        break;
      case 'host_changed':
        this.line(`${this.name(ev.to)} (support) has taken over the session from ${this.name(ev.from)}.`);
        break;
      case 'ended':
        this.finish('session_ended');
        break;
      default:
        break;
    }
  }

  onRoster(roster) {
    const before = this.people;
    const now = new Map(roster.participants.map((p) => [p.id, { name: displayable(p.name), role: p.role, online: p.online, observer: !!p.observer }]));
    if (this.roster) {
      for (const [id, p] of now) {
        if (id === this.me) continue;
        const was = before.get(id);
        if (!was) this.line(p.observer ? `${label(p)} joined to observe: they see this session and its chat.` : `${label(p)} joined the session.`);
        else if (was.online !== p.online) this.line(`${label(p)} ${p.online ? 'is back' : 'is away'}.`);
      }
      for (const [id, p] of before) if (!now.has(id) && id !== this.me) this.line(`${label(p)} left the session.`);
    }
    const first = !this.roster;
    this.roster = roster;
    this.people = now;
    if (roster.ended) return this.finish('session_ended');
    // After a reload the consoles still hold a connection to the page that is gone: a bye
    // makes each offer a new one at once (as a reloaded agent's new connection does).
    if (first && this.rejoined) {
      for (const [id, p] of now) if (p.role === 'csr' && p.online) this.send({ type: 'signal', to: id, payload: { kind: 'bye' } }, true);
    }
    this.links.onRoster(roster);
    this.renderWho();
    this.renderTo();
    this.renderAllowed();
    this.answerQuestions();
    for (const f of this.features) if (f.onRoster) f.onRoster(roster);
  }

  /** This customer's live grant to `csr` for `capability` (what runs here runs only under it). */
  granted(csr, capability) {
    // An answer given here counts at once, as in the agent: the CSR's request over the data
    // channel may come before signaling's roster with the grant.
    return !!this.roster && this.roster.grants.some((g) => g.customer === this.me && g.csr === csr && g.capability === capability
      && (g.state === 'granted' || (g.state === 'pending' && this.allowedHere.has(g.request))));
  }

  /** The customer takes a permission back: what it allowed stops here at once, then signaling hears. */
  revoke(capability) {
    for (const f of this.features) if (f.onRevoke) f.onRevoke(capability);
    this.send({ type: 'consent_revoke', capability });
  }

  // ---------- who is here ----------

  name(id) {
    if (id === this.me) return 'you';
    const p = this.people.get(id);
    return p ? p.name : 'someone who left';
  }

  renderWho() {
    fill(this.who, [...this.people].map(([id, p]) => {
      const who = id === this.me ? `${p.name} (you)` : label(p);
      return h('li', { class: p.online ? 'online' : 'offline', dataset: { id, role: p.role } },
        p.online ? who : `${who} — away`,
        this.roster.host === id ? h('span', { class: 'tag', text: 'in charge' }) : null);
    }));
  }

  // ---------- questions (S21) ----------

  /** Every question to this customer still open in the roster, answered once. */
  answerQuestions() {
    const open = new Map();
    for (const g of this.roster.grants) {
      if (g.customer !== this.me || g.state !== 'pending' || this.asked.has(g.request)) continue;
      const q = open.get(g.request) || { request: g.request, csr: g.csr, from: g.carry_over_from || null, capabilities: [] };
      q.capabilities.push(g.capability);
      open.set(g.request, q);
    }
    for (const q of open.values()) {
      this.asked.add(q.request);
      this.ask({ ...q, byName: this.name(q.csr), toName: this.name(q.csr), fromName: q.from ? this.name(q.from) : '' });
    }
  }

  async ask(q) {
    const text = question(q);
    if (needsAgent(q.capabilities)) {
      // Answered at once, so support is not kept waiting; then the customer is told why.
      this.send({ type: 'consent_answer', request: q.request, granted: false });
      this.line(`${text} This needs the support agent; your browser answered no.`);
      await dialog('Permission asked', (close) => h('div', { class: 'question needs-agent', id: `question-${q.request}` },
        h('p', { class: 'asked', text }),
        h('p', { text: `This needs the support agent, a program for your computer: in the browser it cannot be done. Your browser answered “Deny” for you, so nothing is shared.` }),
        h('p', { text: `To allow it, continue in the support agent: ${q.byName} asks again there.` }),
        toAgentBox(this.seat.token, () => { this.toAgent = true; }, 'question-'),
        h('div', { class: 'row' }, h('button', { onclick: () => close(true) }, 'OK'))));
      return;
    }
    const answer = await dialog('Permission asked', (close) => h('div', { class: 'question', id: `question-${q.request}` },
      h('p', { class: 'asked', text }),
      h('div', { class: 'row' },
        h('button', { class: 'primary', onclick: () => close('once') }, 'Allow once'),
        h('button', { onclick: () => close('session') }, 'Allow for this session'),
        h('button', { class: 'danger', onclick: () => close('deny') }, 'Deny'))));
    const granted = answer === 'once' || answer === 'session';
    if (granted) this.allowedHere.add(q.request);
    this.send(granted ? { type: 'consent_answer', request: q.request, granted, scope: answer } : { type: 'consent_answer', request: q.request, granted: false });
  }

  // ---------- allowed now ----------

  myGrants() {
    return this.roster ? this.roster.grants.filter((g) => g.customer === this.me && g.state === 'granted') : [];
  }

  renderAllowed() {
    const grants = this.myGrants();
    this.stopAll.disabled = !grants.length;
    if (!grants.length) return fill(this.allowed, h('li', { class: 'muted', text: 'Nothing. Support asks here before seeing or doing anything.' }));
    const running = (g) => this.roster.running.some((r) => r.customer === this.me && r.by === g.csr && r.activity === g.capability);
    fill(this.allowed, grants.map((g) => {
      const line = `${this.name(g.csr)} may ${asksTo(g.capability)} (${scopeWords(g.scope)}${running(g) ? ', in use now' : ''})`;
      return h('li', {}, h('button', { class: 'small', title: line, onclick: () => this.revoke(g.capability) }, 'Stop'), ' ', line);
    }));
  }

  stopEverything() {
    for (const c of new Set(this.myGrants().map((g) => g.capability))) this.revoke(c);
  }

  // ---------- chat (S7) ----------

  renderTo() {
    const keep = this.chatTo.value;
    const others = [...this.people].filter(([id]) => id !== this.me);
    fill(this.chatTo, h('option', { value: '' }, 'Everyone'), others.map(([id, p]) => h('option', { value: id }, label(p))));
    if ([...this.chatTo.options].some((o) => o.value === keep)) this.chatTo.value = keep;
  }

  sendChat() {
    const text = this.chatText.value.trim();
    if (!text) return;
    const to = this.chatTo.value ? [this.chatTo.value] : [];
    if (this.send({ type: 'chat', to, text })) this.chatText.value = '';
  }

  chatLine(msg) {
    const mine = msg.from === this.me;
    const p = this.people.get(msg.from);
    const from = mine ? 'You' : p ? label(p) : 'Someone who left';
    const to = msg.to.length ? msg.to.map((t) => this.name(t)).join(', ') : 'everyone';
    return h('li', { class: mine ? 'mine' : 'theirs' },
      h('span', { class: 'meta', text: `${fmtClock(msg.at_ms)} ${from} → ${to}` }),
      h('span', { class: 'text', text: displayable(msg.text, true) }));
  }

  // ---------- what happened, leaving, the end ----------

  line(text) {
    this.happened.append(h('li', {}, h('span', { class: 'meta', text: fmtClock(Date.now()) }), ' ', text));
  }

  async leave() {
    const sure = await dialog('Leave the support session?', (close) => h('div', { id: 'leave-question' },
      h('p', { text: 'Everything you allowed stops and support can no longer reach you.' }),
      h('div', { class: 'row' },
        h('button', { class: 'danger', id: 'leave-confirm', onclick: () => close(true) }, 'Leave the session'),
        h('button', { id: 'leave-stay', onclick: () => close(false) }, 'Stay'))));
    if (!sure) return;
    this.leaving = true;
    if (!this.send({ type: 'leave' })) this.finish('left');
  }

  finish(reason) {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.features) if (f.onRevoke) for (const c of ['screen_view', 'microphone', 'camera', 'csr_screen_share']) f.onRevoke(c);
    this.links.closeAll();
    forgetSeat();
    this.socket.close();
    const said = this.toAgent && reason === 'token_invalid' ? 'You now continue in the support agent. Nothing is shared from this browser any more.'
      : this.leaving || reason === 'left' ? 'You left the session. Nothing is shared any more.'
      : reason === 'session_ended' ? 'The session has ended. Nothing is shared any more.'
        : reason === 'token_invalid' || reason === 'not_in_session' ? 'This browser is no longer in the session. Ask your support representative for a new invitation.'
          : `The session cannot go on here (${reason}).`;
    // Issue 16: support ended it, so the customer is asked how it went (once, optional).
    const survey = reason === 'session_ended' && !this.leaving && !this.toAgent ? surveyBox(this.seat.token) : null;
    fill(this.root, h('div', { class: 'customer-join', id: 'session-over' },
      h('h1', { text: 'Support session over' }),
      h('p', { role: 'status', text: said }),
      survey,
      h('p', { class: 'muted', text: 'You can close this page.' })));
  }
}

/** "Alice (support)", "Eve (customer)". */
function label(p) {
  return `${p.name} (${p.role === 'csr' ? (p.observer ? 'support, observing' : 'support') : 'customer'})`;
}
