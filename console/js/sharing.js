// S10: view or control the customer's desktop or one application. Each choice asks the
// customer first ("waiting for the customer's permission"), then shows the live view scaled to
// the panel. Pointer, wheel and keyboard go to the agent only in control mode, as `input`
// events with coordinates as fractions of the shared surface; clipboard text both ways.
import { h, fill } from './dom.js';
import { describe, showError, toast } from './api.js';
import { capabilityName, inBrowser, NEEDS_AGENT } from './session.js';
import { remember, recall } from './restore.js';
import { ShowScreen } from './showscreen.js';

/** How long a share resumed after a reload may wait for the customer's agent. */
const RESUME_WAIT_MS = 20000;

const MODES = {
  screen_view: { label: 'View desktop', window: false, control: false },
  remote_control: { label: 'Control desktop', window: false, control: true },
  application_view: { label: 'View application', window: true, control: false },
  application_control: { label: 'Control application', window: true, control: true },
};
const BUTTONS = ['left', 'middle', 'right', 'back', 'forward'];
/** S12 in signaling's words (protocol/src/error.rs), shown before asking the customer. */
const BLOCKED = {
  file_transfer_active: 'Application sharing cannot start while a file transfer runs. End the file transfer first.',
};

export class SharePanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.share = null; // {customer, capability, target, track}
    // `${customer} ${track id}` -> {customer, stream, track}: each agent numbers its tracks from 1,
    // so a track id alone can name another customer's (or a replaced agent's) picture.
    this.streams = new Map();
    this.video = h('video', { id: 'share-video', autoplay: true, playsinline: true, muted: true, tabindex: 0, 'aria-label': "Customer's screen" });
    this.state = h('p', { class: 'share-state', id: 'share-state', role: 'status', text: 'Nothing is shared. Choose what to do once a customer has joined.' });
    this.menu = h('div', { class: 'row', id: 'share-menu' }, Object.entries(MODES).map(([cap, m]) =>
      h('button', { id: `share-${cap}`, onclick: () => this.begin(cap) }, m.label)));
    this.stopButton = h('button', { class: 'danger', id: 'share-stop', hidden: true, onclick: () => this.stop(true) }, 'Stop sharing');
    this.keyframeButton = h('button', { class: 'small', hidden: true, onclick: () => this.send({ type: 'keyframe_request' }) }, 'Refresh picture');
    this.picker = h('div', { id: 'source-picker', hidden: true });
    this.clipText = h('textarea', { id: 'clipboard-text', rows: 2, 'aria-label': 'Clipboard text' });
    this.clipboard = h('div', { class: 'clipboard', id: 'clipboard', hidden: true },
      h('label', { for: 'clipboard-text' }, 'Clipboard'), this.clipText,
      h('button', { class: 'small', onclick: () => this.send({ type: 'clipboard', text: this.clipText.value }) }, "Send to the customer's clipboard"),
      h('button', { class: 'small', onclick: async () => { this.clipText.value = await navigator.clipboard.readText().catch(() => this.clipText.value); } }, 'Paste mine'));
    this.surface = h('div', { class: 'surface', id: 'share-surface' }, this.video);
    this.showScreen = new ShowScreen(ctx);
    this.element = h('div', { class: 'panel share', id: 'panel-share' },
      h('div', { class: 'row' }, this.menu, this.stopButton, this.keyframeButton), this.state, this.picker, this.surface, this.clipboard,
      this.showScreen.element);
    this.bindInput();
  }

  onRoster() {
    this.showScreen.onRoster();
    this.checkLive();
    const c = this.ctx.customer();
    const host = this.ctx.isHost();
    for (const [cap, m] of Object.entries(MODES)) {
      const b = this.menu.querySelector(`#share-${cap}`);
      // In the browser the customer shares a screen, a window or a tab through its own picker
      // (View desktop); control and application sharing need the agent.
      const agentOnly = inBrowser(c) && cap !== 'screen_view';
      b.disabled = !c || !host || !!this.share || agentOnly;
      b.title = !c ? 'Available once a customer has joined.' : agentOnly ? NEEDS_AGENT : !host ? 'Only the host CSR can do this.' : m.window && !c.primary ? 'Only the primary customer shares an application.' : '';
    }
  }

  send(msg) {
    const link = this.share && this.ctx.link(this.share.customer);
    if (link) link.send(msg);
  }

  async begin(capability) {
    const c = this.ctx.customer();
    if (!c) return;
    const mode = MODES[capability];
    const blocked = this.ctx.blocked(capability);
    if (blocked) return this.setState(`${BLOCKED[blocked] || 'This cannot start now.'} (${blocked})`);
    this.setState(`${mode.label}: waiting for the customer's permission…`);
    this.menu.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      if (!(await this.ctx.askConsent(c.id, capability))) {
        this.setState(inBrowser(c) ? `${this.ctx.name(c.id)} joined in the browser, which answered no: ${mode.label.toLowerCase()} needs the support agent.` : 'The customer said no.');
        return this.onRoster();
      }
    } catch (e) {
      this.setState(describe(e));
      return this.onRoster();
    }
    const link = this.ctx.link(c.id);
    if (!link) {
      this.setState("Not connected to the customer's agent yet. Try again in a moment.");
      return this.onRoster();
    }
    this.share = { customer: c.id, capability, pending: true };
    this.stopButton.hidden = false;
    this.setState('Permission granted. Looking for what can be shared…');
    this.sourcesRequest = `s${Math.random().toString(36).slice(2, 8)}`;
    link.send({ type: 'list_sources', request: this.sourcesRequest });
  }

  onSources(msg) {
    if (!this.share || msg.request !== this.sourcesRequest) return;
    const mode = MODES[this.share.capability];
    const list = mode.window ? msg.windows : msg.monitors;
    if (!list.length) {
      this.setState(mode.window ? 'The customer has no application window open.' : 'No monitor can be captured.');
      return this.stop(true);
    }
    const pick = (target) => { this.picker.hidden = true; this.startShare(target); };
    const kept = this.share.resuming && this.share.target;
    const same = kept && list.find((s) => (mode.window ? kept.kind === 'window' && s.id === kept.id : kept.kind === 'monitor' && s.index === kept.index));
    if (same) return pick(kept);
    if (list.length === 1) return pick(mode.window ? { kind: 'window', id: list[0].id } : { kind: 'monitor', index: list[0].index });
    this.setState(mode.window ? 'Choose the application window:' : 'Choose the monitor:');
    fill(this.picker, h('ul', { class: 'picker' }, list.map((s) => h('li', {}, h('button', {
      onclick: () => pick(mode.window ? { kind: 'window', id: s.id } : { kind: 'monitor', index: s.index }),
    }, mode.window ? `${s.title || 'untitled'} (${s.width}×${s.height})` : `${s.name}${s.primary ? ' (main)' : ''} ${s.width}×${s.height}`)))));
    this.picker.hidden = false;
  }

  startShare(target) {
    const blocked = this.ctx.blocked(this.share.capability);
    if (blocked) {
      this.stop(false, true);
      return this.setState(`${BLOCKED[blocked] || 'This cannot start now.'} (${blocked})`);
    }
    this.share.target = target;
    const share = this.share;
    // A resumed share still runs at signaling: only the agent starts it again.
    if (!share.resuming) {
      const ref = this.ctx.activity(true, share.capability, share.customer);
      this.ctx.onRefusal(ref, (e) => { if (e.code !== 'activity_active' && this.share === share) this.refused(e); });
    }
    remember(this.ctx.id, 'share', { customer: share.customer, capability: share.capability, target });
    this.setState('Starting…');
    this.send({ type: 'start_share', target });
  }

  /** Signaling refused to start the share: its reason stays on screen (nothing to stop there). */
  refused(err) {
    this.send({ type: 'stop_share' });
    this.stop(false, true);
    this.setState(describe(err));
  }

  onPeer(customer, msg) {
    this.showScreen.onPeer(customer, msg);
    if (!this.share || customer !== this.share.customer) return;
    switch (msg.type) {
      case 'sources':
        return this.onSources(msg);
      case 'share_started': {
        this.share.pending = false;
        this.share.resuming = false;
        this.stale = false;
        this.video.hidden = false;
        this.share.track = msg.track;
        this.share.stream = typeof msg.stream === 'string' ? msg.stream : null; // the customer page's msid
        this.share.width = msg.width;
        this.share.height = msg.height;
        const mode = MODES[this.share.capability];
        this.setState(`${mode.control ? 'Controlling' : 'Viewing'} ${mode.window ? 'the application' : 'the desktop'} of ${this.ctx.name(customer)} (${msg.width}×${msg.height}).${mode.control ? ' Click into the picture to control.' : ''}`);
        this.keyframeButton.hidden = false;
        this.clipboard.hidden = !mode.control;
        this.surface.classList.toggle('control', mode.control);
        this.attachVideo();
        this.checkLive();
        return;
      }
      case 'share_stopped':
        // A share not started yet cannot have stopped: this is the previous one's, late.
        if (this.share.pending) return;
        if (msg.code === 'consent_revoked') this.revoked();
        else if (msg.code === 'not_host') { this.stop(false); this.setState('Sharing stopped: control of the session passed to another CSR.'); }
        else { this.setState(msg.code === 'activity_not_active' ? 'Sharing stopped.' : `Sharing stopped: ${describe(msg)}`); this.stop(false); }
        return;
      case 'clipboard':
        this.clipText.value = msg.text;
        toast("The customer's clipboard text arrived (Clipboard field).");
        return;
      case 'error':
        if (this.share.pending) { this.stop(false); this.setState(describe(msg)); }
        return;
      default:
    }
  }

  onEvent(ev) {
    if (!this.share) return;
    const mine = ev.customer === this.share.customer && ev.capability === this.share.capability;
    // Signaling already stopped these: the console does not stop them again.
    if (ev.event === 'consent_revoked' && mine) this.revoked(true);
    if (ev.event === 'activity_stopped' && ev.activity === this.share.capability && ev.customer === this.share.customer && ev.reason !== 'stopped') {
      if (ev.reason === 'revoked') this.revoked(true);
      else if (ev.reason === 'host_changed') { this.stop(false, true); this.setState('Sharing stopped: control of the session passed to another CSR.'); }
      else { this.stop(false, true); this.setState(`Sharing stopped (${ev.reason.replace('_', ' ')}).`); }
    }
  }

  /**
   * After a reload the roster still says this CSR runs `r`: carried on when it is a share and
   * the customer's grant is still live (S21: no new prompt), else left to be stopped.
   */
  resume(r) {
    if (!MODES[r.activity] || this.share || !r.customer || !this.ctx.isHost()) return false;
    const g = this.ctx.grant(r.customer, r.activity);
    const p = this.ctx.participant(r.customer);
    if (!g || g.state !== 'granted' || !p || !p.online) return false;
    const kept = recall(this.ctx.id, 'share');
    const target = kept && kept.customer === r.customer && kept.capability === r.activity ? kept.target : undefined;
    this.share = { customer: r.customer, capability: r.activity, pending: true, resuming: true, target };
    this.stopButton.hidden = false;
    this.setState(`Resuming ${capabilityName(r.activity)} after the reload; the customer's permission is still valid…`);
    this.onRoster();
    this.askSources();
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      if (!this.share || !this.share.resuming) return;
      this.stop(true);
      this.setState(`Could not resume ${capabilityName(r.activity)} after the reload: the customer's agent did not answer. Sharing stopped.`);
    }, RESUME_WAIT_MS);
    return true;
  }

  /** Asks the agent for its sources once the link to it is ready (a resumed share waits). */
  askSources() {
    const link = this.share && this.ctx.link(this.share.customer);
    if (!link || this.share.sourcesAsked) return;
    this.share.sourcesAsked = true;
    this.sourcesRequest = `s${Math.random().toString(36).slice(2, 8)}`;
    link.send({ type: 'list_sources', request: this.sourcesRequest });
  }

  onLinkState(customer, state) {
    if (!this.share || customer !== this.share.customer) return;
    if (state === 'ready' && this.share.resuming) this.askSources();
    if (state === 'gone') {
      const name = this.ctx.name(customer);
      this.stop(false);
      this.setState(`${name}'s agent stopped responding; the share ended. Start it again once ${name} is back.`, 'stale');
      return;
    }
    this.checkLive();
  }

  /**
   * A running share whose agent went offline or stopped answering ICE checks shows no frozen
   * picture: the picture is hidden under a notice, and comes back if the agent does.
   */
  checkLive() {
    if (!this.share || this.share.pending) return;
    const p = this.ctx.participant(this.share.customer);
    const link = this.ctx.links.get(this.share.customer);
    const live = !!p && p.online && !!link && link.live;
    if (live === !this.stale) return;
    this.stale = !live;
    this.video.hidden = !live;
    if (!live) {
      this.liveText = this.state.textContent;
      this.setState(`${this.ctx.name(this.share.customer)}'s agent stopped responding; the picture is no longer live.`, 'stale');
    } else {
      this.setState(this.liveText || '');
    }
  }

  revoked(bySignaling = false) {
    const what = this.share ? capabilityName(this.share.capability) : 'sharing';
    this.stop(false, bySignaling);
    this.setState(`The customer revoked permission (${what}); sharing stopped at once.`, 'revoked');
  }

  onTrack(customer, ev) {
    if (ev.track.kind !== 'video') return;
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    this.streams.set(`${customer} ${ev.track.id}`, { customer, stream, track: ev.track });
    this.attachVideo();
  }

  attachVideo() {
    if (!this.share || this.share.pending) return;
    // On the console's own transceivers the track id is the browser's; the agent's stream id
    // (`agent-<track>`, from its answer's msid) names the share.
    // Only the sharing customer's tracks, newest first.
    const mine = [...this.streams.values()].reverse().filter((e) => e.customer === this.share.customer);
    let entry = this.streams.get(`${this.share.customer} ${this.share.track}`)
      || mine.find((e) => (e.stream.id === `agent-${this.share.track}` || e.stream.id === this.share.stream) && e.track.readyState === 'live');
    if (!entry) {
      // The agent's track id did not survive (older browsers): the customer's live video track.
      entry = mine.find((e) => e.track.readyState === 'live'
        && !(e.stream.id.startsWith('agent-') && e.stream.id !== `agent-${this.share.track}`) && !(this.share.stream && e.stream.id !== this.share.stream));
    }
    if (entry && (!this.video.srcObject || this.video.srcObject.getVideoTracks()[0] !== entry.track)) {
      this.video.srcObject = new MediaStream([entry.track]);
      this.video.play().catch(() => {});
    }
  }

  stop(ask, bySignaling = false) {
    const s = this.share;
    if (!s) return;
    if (ask) {
      this.send({ type: 'stop_share' });
      this.setState('Sharing stopped.');
    }
    // A stop signaling answers "not running" is ignored there (session.js `activity`).
    if (!bySignaling && (s.target || ask || s.resuming)) this.ctx.activity(false, s.capability, s.customer);
    this.share = null;
    this.stale = false;
    clearTimeout(this.resumeTimer);
    remember(this.ctx.id, 'share', null);
    this.video.srcObject = null;
    this.video.hidden = false;
    this.stopButton.hidden = true;
    this.keyframeButton.hidden = true;
    this.clipboard.hidden = true;
    this.picker.hidden = true;
    this.surface.classList.remove('control');
    this.onRoster();
  }

  setState(text, kind = '') {
    this.state.textContent = text;
    this.state.className = `share-state ${kind}`;
  }

  get controlling() {
    return !!this.share && !this.share.pending && MODES[this.share.capability].control;
  }

  /** Where a pointer event falls on the shown picture, as fractions; null in the letterbox. */
  position(ev) {
    const v = this.video;
    const r = v.getBoundingClientRect();
    const vw = v.videoWidth || (this.share && this.share.width) || r.width;
    const vh = v.videoHeight || (this.share && this.share.height) || r.height;
    const scale = Math.min(r.width / vw, r.height / vh);
    const w = vw * scale;
    const hgt = vh * scale;
    const x = (ev.clientX - r.left - (r.width - w) / 2) / w;
    const y = (ev.clientY - r.top - (r.height - hgt) / 2) / hgt;
    if (x < 0 || x > 1 || y < 0 || y > 1) return null;
    return { x, y };
  }

  input(event) {
    if (this.controlling) this.send({ type: 'input', event });
  }

  bindInput() {
    const v = this.video;
    let lastMove = 0;
    v.addEventListener('pointermove', (ev) => {
      const now = performance.now();
      if (!this.controlling || now - lastMove < 16) return;
      lastMove = now;
      const p = this.position(ev);
      if (p) this.input({ kind: 'pointer_move', ...p });
    });
    const button = (down) => (ev) => {
      if (!this.controlling) return;
      const p = this.position(ev);
      if (!p) return;
      ev.preventDefault();
      if (down) v.focus({ preventScroll: true }); // scrolling would move the picture under the pointer between down and up
      this.input({ kind: 'pointer_button', ...p, button: BUTTONS[ev.button] || 'left', down });
    };
    v.addEventListener('pointerdown', button(true));
    v.addEventListener('pointerup', button(false));
    v.addEventListener('contextmenu', (ev) => { if (this.controlling) ev.preventDefault(); });
    v.addEventListener('wheel', (ev) => {
      if (!this.controlling) return;
      const p = this.position(ev);
      if (!p) return;
      ev.preventDefault();
      const step = (d) => (d === 0 ? 0 : Math.sign(d) * Math.max(1, Math.round(Math.abs(d) / (ev.deltaMode === 0 ? 100 : 3))));
      this.input({ kind: 'wheel', ...p, dx: step(ev.deltaX), dy: step(ev.deltaY) });
    }, { passive: false });
    const key = (down) => (ev) => {
      if (!this.controlling) return;
      ev.preventDefault();
      this.input({ kind: 'key', code: ev.code, down, modifiers: { shift: ev.shiftKey, ctrl: ev.ctrlKey, alt: ev.altKey, meta: ev.metaKey } });
    };
    v.addEventListener('keydown', key(true));
    v.addEventListener('keyup', key(false));
  }
}

