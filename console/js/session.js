// The session view: the signaling WebSocket, the roster and participants panel, the toolbar,
// invitations (S5, S17), primary (S6), transfer of control (S18), notes (S15) and the end
// dialog (S19, S20). Each working panel (chat, sharing, files, …) lives in its own module and
// gets this view as its context.
import { api, describe, newKey, showError, toast } from './api.js';
import { h, fill, dialog, copyText, fmtClock } from './dom.js';
import { AgentLink, PROTOCOL_VERSION } from './peer.js';
import { SignalingSocket } from './socket.js';
import { ChatPanel } from './chat.js';
import { SharePanel } from './sharing.js';
import { FilesPanel } from './files.js';
import { SystemInfoPanel } from './sysinfo.js';
import { AvPanel } from './av.js';
import { RecordingPanel } from './recording.js';
import { blockedBy, covers, displayable } from './policy.js';
import { remember, recall, transferRows, restoreTransfers } from './restore.js';
import { emailBlock, mailSetUp } from './email.js';

/** How long a customer may be offline while ICE still answers before their link is dropped. */
const OFFLINE_GRACE_MS = 5000;

const CAPABILITY_NAMES = {
  screen_view: 'view desktop', remote_control: 'control desktop', application_view: 'view application',
  application_control: 'control application', csr_screen_share: 'show my screen', advanced_file_transfer: 'file transfer',
  file_transfer_item: 'one file transfer', system_info: 'system information', recording: 'recording', camera: 'camera',
  microphone: 'microphone', basic_file_transfer: 'offered files', csr_video: 'CSR video', audio_conference: 'audio conference',
};
export const capabilityName = (c) => CAPABILITY_NAMES[c] || c;

/** Why a tool is off for a customer who joined in the browser (what a browser cannot do). */
export const NEEDS_AGENT = 'Needs the support agent (the customer joined in the browser)';
/** Whether a roster entry is a customer in the browser page rather than the agent. */
export const inBrowser = (p) => !!p && p.client === 'browser';

export class SessionView {
  constructor(root, sessionId, account) {
    this.root = root;
    this.id = sessionId;
    this.account = account;
    this.me = null;
    this.roster = null;
    this.iceServers = [];
    this.relayOnly = new URLSearchParams(location.search).get('relay') === '1';
    this.links = new Map();
    this.consents = new Map();
    this.refs = new Map();
    this.closed = false;
    this.refusedOpens = 0;
    this.seq = 0;
    this.restored = false; // running activities of this CSR checked after the page (re)loaded
    this.offlineSince = new Map(); // customer -> when the roster first said offline
  }

  async start() {
    fill(this.root, h('p', { class: 'muted', text: 'Opening the session…' }));
    try {
      // The session and its participants; the record is read page by page in History.
      this.detail = await api('GET', `/api/sessions/${encodeURIComponent(this.id)}?limit=0`);
    } catch (e) {
      fill(this.root, h('p', { class: 'error', role: 'alert', text: describe(e) }), h('a', { href: '#/' }, 'Back'));
      return;
    }
    if (this.detail.session.ended_at) {
      location.hash = `#/history/${this.id}`;
      return;
    }
    this.render();
    restoreTransfers(this.panels.files, recall(this.id, 'transfers'));
    this.keep = () => remember(this.id, 'transfers', transferRows(this.panels.files.transfers));
    window.addEventListener('pagehide', this.keep);
    this.watchdog = setInterval(() => this.checkLinks(), 1000);
    this.connect();
  }

  destroy() {
    this.closed = true;
    clearInterval(this.watchdog);
    if (this.keep) {
      this.keep();
      window.removeEventListener('pagehide', this.keep);
    }
    if (this.panels) this.panels.share.showScreen.destroy();
    for (const l of this.links.values()) l.close();
    this.links.clear();
    if (this.recording) this.recording.destroy();
    if (this.av) this.av.destroy();
    if (this.socket) this.socket.close();
  }

  // ---------- layout ----------

  render() {
    const s = this.detail.session;
    this.panels = {
      share: new SharePanel(this),
      chat: new ChatPanel(this),
      av: new AvPanel(this),
      files: new FilesPanel(this),
      sysinfo: new SystemInfoPanel(this),
    };
    this.recording = new RecordingPanel(this);
    this.panels.recording = this.recording;
    this.av = this.panels.av;
    this.tabs = h('div', { class: 'tabs', role: 'tablist' });
    this.stage = h('div', { class: 'stage' });
    this.participantsEl = h('ul', { class: 'participants', id: 'participants', 'aria-label': 'Participants' });
    this.banner = h('div', { class: 'banner', id: 'host-banner', role: 'status', hidden: true });
    this.status = h('span', { class: 'conn', id: 'connection-state', text: 'connecting…' });
    this.notesPanel = this.buildNotes();
    this.endButton = h('button', { class: 'danger', id: 'end-session', onclick: () => this.endDialog() }, 'End session');
    this.leaveButton = h('button', { id: 'leave-session', onclick: () => this.leave() }, 'Leave');
    this.inviteCsrButton = h('button', { id: 'invite-csr', onclick: () => this.inviteCsr() }, 'Invite CSR');
    this.takeOverButton = h('button', { id: 'take-over', class: 'primary', hidden: true, onclick: () => this.takeOver() }, 'Take over');
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Session' },
      h('div', { class: 'title' },
        h('strong', { text: s.session_type }),
        s.tracking_code ? h('span', { class: 'tag', id: 'tracking-code-shown', text: s.tracking_code }) : null,
        this.status),
      h('button', { id: 'invite-customer', class: 'primary', onclick: () => this.inviteCustomer() }, 'Invite customer'),
      this.inviteCsrButton,
      this.tabs,
      h('button', { id: 'notes-toggle', class: 'push-right', onclick: () => this.toggleNotes(true) }, 'Notes'),
      this.takeOverButton,
      this.endButton,
      this.leaveButton);
    fill(this.root, h('div', { class: 'session' },
      toolbar,
      this.banner,
      h('div', { class: 'session-body' },
        h('aside', { class: 'side' }, h('h2', { text: 'Participants' }), this.participantsEl),
        h('section', { class: 'workspace' }, this.stage),
        this.notesPanel)));
    this.tabButtons = {};
    const labels = { share: 'Screen & control', chat: 'Chat', av: 'Audio & video', files: 'Files', sysinfo: 'System info', recording: 'Recording' };
    for (const [key, label] of Object.entries(labels)) {
      const badge = h('span', { class: 'badge', hidden: true });
      const b = h('button', { role: 'tab', id: `tab-${key}`, 'aria-selected': 'false', onclick: () => this.show(key) }, label, badge);
      b.badge = badge;
      this.tabButtons[key] = b;
      this.tabs.append(b);
    }
    for (const p of Object.values(this.panels)) {
      p.element.hidden = true;
      this.stage.append(p.element);
    }
    this.show('share');
  }

  show(key) {
    this.active = key;
    for (const [k, p] of Object.entries(this.panels)) {
      p.element.hidden = k !== key;
      this.tabButtons[k].setAttribute('aria-selected', String(k === key));
      if (k === key && p.shown) p.shown();
    }
  }

  /** Shows a count on a tab (unread chat messages). */
  badge(key, n) {
    const b = this.tabButtons[key].badge;
    b.textContent = String(n);
    b.hidden = !n;
  }

  setTabVisible(key, visible) {
    this.tabButtons[key].hidden = !visible;
    if (!visible && this.active === key) this.show('share');
  }

  // ---------- signaling ----------

  connect() {
    const fatal = ['session_ended', 'not_in_session', 'unauthenticated', 'protocol_version_mismatch'];
    this.socket = new SignalingSocket({
      hello: () => ({ type: 'hello', protocol_version: PROTOCOL_VERSION, session: this.id }),
      onMessage: (msg) => { try { this.onServer(msg); } catch (e) { console.error(e); showError(e); } },
      final: fatal,
      stopped: () => this.closed,
      onFinal: () => {
        this.closed = true;
        this.status.textContent = 'disconnected';
      },
      onDown: (opened) => {
        this.status.textContent = 'reconnecting…';
        if (!opened && ++this.refusedOpens === 3) {
          // The browser hides why (signaling refuses another Origin than its public URL with 403).
          showError({ code: 'unavailable', message: "The live connection to the support server is refused or unreachable. Open the console at the server's public address (the one it printed at start) and check the network; retrying." });
        }
        if (opened) this.refusedOpens = 0;
      },
    });
    this.socket.connect();
  }

  /** Sends a message to signaling; returns its `ref` (errors about it echo the ref). */
  send(msg) {
    const ref = msg.ref || `m${++this.seq}`;
    // Having left on purpose, late work (a link check, a stop) has nowhere to go: no error.
    if (this.closed) return ref;
    if (!this.socket.send({ ...msg, ref })) {
      showError({ code: 'unavailable', message: 'Not connected to the support server right now. Wait for the reconnection and try again.' });
    }
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
      case 'signal': {
        const link = this.links.get(msg.from);
        if (link) link.onSignal(msg.payload).catch((e) => showError(e));
        break;
      }
      case 'event':
        this.onEvent(msg);
        break;
      case 'chat':
        this.panels.chat.onChat(msg);
        break;
      case 'chat_history':
        this.panels.chat.onHistory(msg.lines || [], !!msg.more);
        break;
      case 'error':
        this.onError(msg);
        break;
      default:
        break;
    }
  }

  onError(err) {
    const waiter = err.ref && this.refs.get(err.ref);
    if (waiter) {
      this.refs.delete(err.ref);
      waiter(err);
      return;
    }
    if (err.code === 'session_ended') this.ended();
    // Having left on purpose, "not in this session" is what the CSR asked for, not an error.
    if (this.closed && err.code === 'not_in_session') return;
    showError(err);
  }

  /** Calls `f(error)` if signaling refuses the message with this ref. */
  onRefusal(ref, f) {
    this.refs.set(ref, f);
    setTimeout(() => this.refs.delete(ref), 30000);
  }

  onEvent(ev) {
    switch (ev.event) {
      case 'consent_granted':
      case 'consent_denied': {
        const w = this.consents.get(ev.request);
        if (w) {
          this.consents.delete(ev.request);
          w.resolve(ev.event === 'consent_granted');
        }
        break;
      }
      case 'consent_withdrawn': {
        const w = this.consents.get(ev.request);
        if (w) {
          this.consents.delete(ev.request);
          w.reject({ code: 'consent_withdrawn', message: 'The question was withdrawn: control of the session changed hands. Ask again if you hold control.' });
        }
        break;
      }
      case 'carry_over_requested':
        if (ev.to === this.me) toast(`${this.who(ev.customer)} is asked whether you may carry on what ${this.who(ev.from)} was allowed.`);
        break;
      case 'host_changed':
        if (ev.to === this.me) toast('You now hold control of this session.');
        else if (ev.from === this.me) toast(`${this.who(ev.to)} now holds control. You can leave; ending the session needs control back.`);
        break;
      case 'ended':
        this.ended();
        break;
      default:
        break;
    }
    for (const p of Object.values(this.panels)) if (p.onEvent) p.onEvent(ev);
  }

  onRoster(roster) {
    this.roster = roster;
    this.renderParticipants();
    this.renderRole();
    if (roster.ended) return this.ended();
    // One peer connection to each customer, their agent or their page in the browser (both
    // answer the same way, peer.js); closed when the customer leaves.
    const present = new Set(roster.participants.map((p) => p.id));
    for (const p of roster.participants) {
      if (p.role === 'customer' && p.online && !this.links.has(p.id)) this.openLink(p.id);
    }
    for (const [id, link] of this.links) {
      if (!present.has(id)) {
        link.close(false);
        this.links.delete(id);
      }
    }
    for (const p of roster.participants) {
      if (p.online) this.offlineSince.delete(p.id);
      else if (!this.offlineSince.has(p.id)) this.offlineSince.set(p.id, Date.now());
    }
    const f = roster.features;
    this.setTabVisible('files', f.basic_file_transfer || f.advanced_file_transfer);
    this.setTabVisible('recording', f.recording);
    for (const p of Object.values(this.panels)) if (p.onRoster) p.onRoster(roster);
    if (!this.restored) {
      this.restored = true;
      this.restoreActivities(roster);
    }
    this.checkLinks();
  }

  /**
   * After the page (re)loaded, what the roster says this CSR runs must be what runs: a panel
   * that can carry an activity on under the customer's still-live grant resumes it (S21: no
   * new grant, no new prompt); everything else is stopped at signaling, and the CSR is told.
   */
  restoreActivities(roster) {
    const stopped = [];
    for (const r of roster.running.filter((x) => x.by === this.me)) {
      if (Object.values(this.panels).some((p) => p.resume && p.resume(r))) continue;
      this.activity(false, r.activity, r.customer || undefined);
      stopped.push(capabilityName(r.activity));
    }
    if (stopped.length) toast(`After the reload this console could not carry on, so it stopped: ${stopped.join(', ')}.`);
  }

  /**
   * Drops the link to a customer whose agent is gone: offline at signaling and no longer
   * answering ICE checks (a killed agent), or offline for longer than a network blip. Panels
   * hear `gone` and end what ran over it; when the agent comes back online, a new link opens.
   */
  checkLinks() {
    if (this.closed || !this.roster) return;
    for (const [id, link] of [...this.links]) {
      const p = this.participant(id);
      if (!p || p.online) continue;
      const since = this.offlineSince.get(id) || Date.now();
      if (link.alive && Date.now() - since < OFFLINE_GRACE_MS) continue;
      link.close(false);
      this.links.delete(id);
      this.renderParticipants();
      for (const panel of Object.values(this.panels)) if (panel.onLinkState) panel.onLinkState(id, 'gone');
    }
  }

  /** One state of a customer for the roster: offline, connecting, connected or not responding. */
  customerState(p) {
    if (!p.online) return 'offline';
    const link = this.links.get(p.id);
    const where = inBrowser(p) ? 'in the browser' : '';
    if (!link || !link.ready) return where || 'connecting';
    if (!link.alive) return 'not responding';
    return where ? `${where}, connected` : 'connected';
  }

  openLink(customer) {
    const link = new AgentLink({
      me: this.me,
      customer,
      iceServers: this.iceServers,
      relayOnly: this.relayOnly,
      signal: (payload) => this.send({ type: 'signal', to: customer, payload }),
      onMessage: (msg) => this.onPeer(customer, msg),
      onTrack: (ev) => { for (const p of Object.values(this.panels)) if (p.onTrack) p.onTrack(customer, ev); },
      onFileChannel: (ch) => this.panels.files.onFileChannel(customer, ch),
      onState: (state) => this.onLinkState(customer, link, state),
    });
    this.links.set(customer, link);
    link.start();
  }

  onLinkState(customer, link, state) {
    this.renderParticipants();
    for (const p of Object.values(this.panels)) if (p.onLinkState) p.onLinkState(customer, state);
    if ((state === 'failed' || state === 'closed') && this.links.get(customer) === link && !this.closed) {
      // Try again while the customer is still in the session and online.
      setTimeout(() => {
        const p = this.participant(customer);
        if (this.closed || this.links.get(customer) !== link || !p || !p.online) return;
        link.close(false);
        this.links.delete(customer);
        // What ran over the old connection ended with it (the agent drops it too).
        for (const panel of Object.values(this.panels)) if (panel.onLinkState) panel.onLinkState(customer, 'gone');
        this.openLink(customer);
      }, 2000);
    }
  }

  onPeer(customer, msg) {
    // "Not running" answers a stop that the agent already carried out (signaling's stop reached
    // it first): the CSR asked for exactly that, so it is no error to show.
    if (msg.type === 'error' && msg.code !== 'activity_not_active') showError({ code: msg.code, message: `${this.name(customer)}'s agent: ${msg.message}` });
    for (const p of Object.values(this.panels)) if (p.onPeer) p.onPeer(customer, msg);
  }

  // ---------- queries for panels ----------

  participant(id) {
    return this.roster ? this.roster.participants.find((p) => p.id === id) : null;
  }

  name(id) {
    if (id === this.me) return 'you';
    const p = this.participant(id) || (this.detail.participants || []).find((r) => r.id === id);
    return p ? displayable(p.name) : id;
  }

  /** 'CSR' or 'customer': shown beside every name, so no one passes for support by a name. */
  role(id) {
    const p = this.participant(id) || (this.detail.participants || []).find((r) => r.id === id);
    return p ? (p.role === 'csr' ? 'CSR' : 'customer') : '';
  }

  /** A name with its role in front ("CSR Bob", "customer Dana"); 'you' for this CSR. */
  who(id) {
    if (id === this.me) return 'you';
    const role = this.role(id);
    return role ? `${role} ${this.name(id)}` : this.name(id);
  }

  isHost() {
    return !!this.roster && this.roster.host === this.me;
  }

  customers() {
    return this.roster ? this.roster.participants.filter((p) => p.role === 'customer') : [];
  }

  /** The customer capabilities are asked of: the primary one, else the first online one. */
  customer() {
    const cs = this.customers().filter((c) => c.online);
    return cs.find((c) => c.primary) || cs[0] || null;
  }

  link(customer) {
    const l = this.links.get(customer);
    return l && l.ready ? l : null;
  }

  /** This CSR's grant from `customer` covering `capability` (S21: a grant is the asker's own). */
  grant(customer, capability) {
    return this.roster ? this.roster.grants.find((g) => g.customer === customer && g.csr === this.me && covers(g.capability, capability)) : null;
  }

  running(activity, customer) {
    return this.roster ? this.roster.running.find((r) => r.activity === activity && (customer === undefined || r.customer === customer)) : null;
  }

  /** The S12 refusal code of `activity` while what runs now runs, or null (shared policy). */
  blocked(activity) {
    return this.roster ? blockedBy(this.roster.running.map((r) => r.activity), activity) : null;
  }

  applicationShared() {
    return this.blocked('basic_file_transfer') === 'application_sharing_active';
  }


  /**
   * Asks the customer for a capability (S21) unless it is already granted; resolves true on a
   * grant, false on a refusal; rejects with signaling's error (`not_host`, `feature_disabled` …).
   */
  askConsent(customer, capability) {
    const g = this.grant(customer, capability);
    if (g && g.state === 'granted' && capability !== 'file_transfer_item') return Promise.resolve(true);
    const request = `r${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
    return new Promise((resolve, reject) => {
      this.consents.set(request, { resolve, reject });
      const ref = this.send({ type: 'consent_request', request, customer, capability, ref: request });
      this.onRefusal(ref, (err) => {
        this.consents.delete(request);
        if (err.code === 'already_granted') resolve(true);
        else reject(err);
      });
    }).then((ok) => ok);
  }

  /** Like askConsent, but returns the request id (for the per-transfer consent of S13). */
  askItemConsent(customer) {
    const request = `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
    const answer = new Promise((resolve, reject) => {
      this.consents.set(request, { resolve, reject });
      const ref = this.send({ type: 'consent_request', request, customer, capability: 'file_transfer_item', ref: request });
      this.onRefusal(ref, (err) => { this.consents.delete(request); reject(err); });
    });
    return { request, answer };
  }

  activity(start, activity, customer) {
    const msg = { type: start ? 'activity_start' : 'activity_stop', activity };
    if (customer) msg.customer = customer;
    const ref = this.send(msg);
    // Stopping what signaling already stopped (a revoke, the customer leaving, the other
    // side's stop arriving first) is what the CSR wanted: no error for it.
    if (!start) this.onRefusal(ref, (e) => { if (e.code !== 'activity_not_active') showError(e); });
    return ref;
  }

  // ---------- participants ----------

  renderParticipants() {
    if (!this.roster) return;
    const host = this.isHost();
    const items = this.roster.participants.map((p) => {
      // One line per kind: a screen shown to two customers is two activities, said once.
      const doing = this.roster.running.filter((r) => r.by === p.id || r.customer === p.id)
        .map((r) => (r.by === p.id ? capabilityName(r.activity)
          : r.activity === 'csr_screen_share' ? `sees ${this.name(r.by) === 'you' ? 'your' : `${this.name(r.by)}'s`} screen`
            : `shares: ${capabilityName(r.activity)}`))
        .filter((x, i, all) => all.indexOf(x) === i);
      const actions = [];
      if (host && p.role === 'customer' && !p.primary) {
        // An offline customer cannot share: making them primary would only demote the live one.
        actions.push(h('button', { class: 'small', disabled: !p.online, title: p.online ? '' : 'Offline', onclick: () => this.send({ type: 'promote', customer: p.id }) }, 'Make primary'));
      }
      if (host && p.role === 'csr' && p.id !== this.me && !p.observer) {
        actions.push(h('button', { class: 'small', disabled: !p.online, title: p.online ? '' : 'Offline', onclick: () => this.transferControl(p.id) }, 'Give control'));
      }
      return h('li', { class: `participant ${p.online ? 'online' : 'offline'}`, dataset: { id: p.id, role: p.role } },
        h('span', { class: 'dot', title: p.online ? 'online' : 'offline' }),
        h('span', { class: 'pname', text: p.name + (p.id === this.me ? ' (you)' : '') }),
        h('span', { class: 'tags' },
          h('span', { class: 'tag', text: p.role === 'csr' ? 'CSR' : 'customer' }),
          p.host ? h('span', { class: 'tag host', text: 'host' }) : null,
          p.observer ? h('span', { class: 'tag observer', text: 'observing' }) : null,
          p.role === 'customer' ? h('span', { class: 'tag', text: p.primary ? 'primary' : 'secondary' }) : null,
          p.role === 'customer' ? this.stateTag(p) : (p.online ? null : h('span', { class: 'tag off', text: 'offline' })),
          this.av && this.av.speaking(p.id) ? h('span', { class: 'tag speaking', text: 'speaking' }) : null),
        doing.length ? h('div', { class: 'doing muted', text: doing.join(', ') }) : null,
        actions.length ? h('div', { class: 'actions' }, actions) : null);
    });
    fill(this.participantsEl, items);
  }

  stateTag(p) {
    const state = this.customerState(p);
    const cls = { offline: 'tag off', 'not responding': 'tag warn' }[state] || 'tag';
    return h('span', { class: `${cls} link-state`, text: state });
  }

  /** S18: a CSR without control sees a non-host view; ending needs control back. */
  renderRole() {
    const host = this.isHost();
    this.endButton.disabled = !host;
    this.endButton.title = host ? '' : 'Only the host CSR can end the session. Ask for control to be transferred back to you.';
    this.leaveButton.disabled = host;
    this.leaveButton.title = host ? 'The host cannot leave: transfer control to another CSR or end the session.' : '';
    this.inviteCsrButton.disabled = !host;
    const observing = this.observing();
    this.takeOverButton.hidden = !observing;
    this.banner.hidden = host;
    if (observing) this.banner.textContent = `You observe this session; the customer is told. You see who takes part, what runs and the chat, and you can chat. ${this.who(this.roster.host)} holds control: take over to get the host's tools (the customer is asked again for what the host was allowed).`;
    else if (!host) this.banner.textContent = `${this.who(this.roster.host)} holds control of this session. You can chat, take notes and leave; the host's tools come back if control is transferred to you.`;
    const session = this.root.querySelector('.session');
    session.classList.toggle('non-host', !host);
    session.classList.toggle('observer', observing);
    if (observing && this.active !== 'chat') this.show('chat');
  }

  /** Issue 16: whether this console is a team lead observing the session. */
  observing() {
    const mine = this.roster && this.roster.participants.find((p) => p.id === this.me);
    return !!(mine && mine.observer);
  }

  /** Issue 16: the observing team lead takes control; the former host's activities stop and the customer is asked to carry them on. */
  async takeOver() {
    const ok = await dialog('Take over this session?', (close) => h('form', { method: 'dialog', onsubmit: (ev) => { ev.preventDefault(); close(true); } },
      h('p', { text: `You become the host; ${this.who(this.roster.host)} stays in the session without control. What they ran stops, and the customer is asked whether you may carry it on.` }),
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'take-over-confirm' }, 'Take over'), h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'))));
    if (ok) this.send({ type: 'take_over' });
  }

  // ---------- toolbar actions ----------

  async inviteCustomer() {
    // One invitation per intent: while one is asked for or shown, another click does nothing,
    // and the key makes the server answer a repeat with the same code (no unseen second code).
    if (this.inviting) return;
    this.inviting = true;
    this.inviteKey = this.inviteKey || newKey();
    const button = this.root.querySelector('#invite-customer');
    button.disabled = true;
    try {
      await this.showInvitation();
    } finally {
      this.inviting = false;
      button.disabled = false;
    }
  }

  async showInvitation() {
    let inv;
    try {
      inv = await api('POST', `/api/sessions/${this.id}/invitations`, {}, this.inviteKey);
    } catch (e) {
      return showError(e);
    }
    // Shown: the next click is a new invitation.
    this.inviteKey = null;
    const mail = await mailSetUp();
    const byEmail = (to, key) => api('POST', `/api/sessions/${this.id}/invitations/${inv.id}/email`, { to, link: inv.link }, key);
    await dialog('Invite a customer', (close) => h('div', { class: 'invite', id: 'invitation' },
      h('p', { text: 'Read this code out to the customer. It admits one person and expires at ' + fmtClock(inv.expires_at) + '.' }),
      h('p', { class: 'code', id: 'invitation-code', text: inv.code }),
      h('p', { text: 'Or send this link:' }),
      h('div', { class: 'row' },
        h('input', { id: 'invitation-link', readonly: true, value: inv.link, onfocus: (ev) => ev.target.select() }),
        h('button', { onclick: async () => toast((await copyText(inv.link)) ? 'Link copied.' : 'Select the link and copy it.') }, 'Copy link')),
      mail && h('p', { text: 'Or e-mail the link and the code:' }),
      emailBlock('invitation', mail, byEmail),
      h('div', { class: 'row' },
        h('button', { class: 'primary', onclick: () => close(true) }, 'Done'),
        h('button', { class: 'danger', onclick: async () => {
          try { await api('DELETE', `/api/sessions/${this.id}/invitations/${inv.id}`); toast('Invitation withdrawn.'); close(false); } catch (e) { showError(e); }
        } }, 'Withdraw invitation'))));
  }

  async inviteCsr() {
    const username = await dialog('Invite a CSR', (close) => {
      const input = h('input', { id: 'csr-username', required: true, autocomplete: 'off' });
      return h('form', { onsubmit: (ev) => { ev.preventDefault(); close(input.value.trim()); } },
        h('label', { for: 'csr-username' }, 'Their user name'), input,
        h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Invite'), h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
    });
    if (!username) return;
    let invited;
    try {
      invited = await api('POST', `/api/sessions/${this.id}/csrs`, { username });
    } catch (e) {
      return showError(e);
    }
    const told = `${username} can now open this session from their console.`;
    if (!(await mailSetUp())) return toast(told);
    // The site mails: offer to tell them by e-mail too (they may not have the console open).
    const byEmail = (to, key) => api('POST', `/api/sessions/${this.id}/csrs/${invited.participant_id}/email`, { to }, key);
    await dialog('Invite a CSR', (close) => h('div', { id: 'csr-invitation' },
      h('p', { text: `${told} To tell them by e-mail, type their address:` }),
      emailBlock('csr-invitation', true, byEmail),
      h('div', { class: 'row' }, h('button', { class: 'primary', onclick: () => close(true) }, 'Done'))));
  }

  async transferControl(to) {
    const ok = await dialog('Transfer control', (close) => h('div', {},
      h('p', { text: `${this.who(to)} becomes the host. Your support activity ends: you can stay or leave, but you cannot end the session unless control comes back.` }),
      h('div', { class: 'row' }, h('button', { class: 'primary', onclick: () => close(true) }, 'Transfer control'), h('button', { onclick: () => close(false) }, 'Cancel'))));
    if (ok) this.send({ type: 'transfer_control', to });
  }

  leave() {
    this.send({ type: 'leave' });
    this.closed = true;
    setTimeout(() => document.dispatchEvent(new CustomEvent('session-left')), 200);
  }

  // ---------- notes (S15) and ending (S19, S20) ----------

  buildNotes() {
    this.notesText = h('textarea', { id: 'notes-text', rows: 14, maxlength: 65536, 'aria-label': 'Session notes' });
    this.notesText.value = this.detail.session.notes || '';
    this.notesState = h('span', { class: 'muted', id: 'notes-state' });
    this.notesText.addEventListener('input', () => { this.notesState.textContent = 'not saved'; });
    this.notesText.addEventListener('keydown', (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key === 's') { ev.preventDefault(); this.saveNotes(); }
    });
    return h('aside', { class: 'notes', id: 'notes-panel', hidden: true },
      h('div', { class: 'row spread' }, h('h2', { text: 'Notes' }), h('button', { class: 'link', id: 'notes-close', onclick: () => this.toggleNotes(false) }, 'Close')),
      this.notesText,
      h('div', { class: 'row' }, h('button', { class: 'primary', id: 'notes-save', onclick: () => this.saveNotes() }, 'Save notes'), this.notesState));
  }

  toggleNotes(open) {
    this.notesPanel.hidden = !open;
    if (open) this.notesText.focus();
  }

  async saveNotes() {
    try {
      await api('PUT', `/api/sessions/${this.id}/notes`, { notes: this.notesText.value });
      this.notesState.textContent = `saved at ${fmtClock(Date.now())}`;
      return true;
    } catch (e) {
      showError(e);
      return false;
    }
  }

  async endDialog() {
    const notes = await dialog('End the session', (close) => {
      const t = h('textarea', { id: 'end-notes', rows: 8, maxlength: 65536 });
      t.value = this.notesText.value;
      return h('form', { onsubmit: (ev) => { ev.preventDefault(); close(t.value); } },
        h('p', { text: 'Add or edit the session notes; they are kept with the session record. Everyone is disconnected.' }),
        h('label', { for: 'end-notes' }, 'Notes'), t,
        h('div', { class: 'row' }, h('button', { type: 'submit', class: 'danger', id: 'confirm-end' }, 'End session'), h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
    });
    if (notes === null) return;
    try {
      await this.recording.finish();
      await api('POST', `/api/sessions/${this.id}/end`, { notes });
      this.ended();
    } catch (e) {
      showError(e);
    }
  }

  ended() {
    if (this.closed && this.endedShown) return;
    this.endedShown = true;
    this.closed = true;
    if (this.recording) this.recording.finish().catch(showError);
    for (const l of this.links.values()) l.close();
    this.links.clear();
    if (this.socket) this.socket.close();
    toast('The session has ended.');
    location.hash = `#/history/${this.id}`;
  }
}
