// S10, the CSR's own screen: "Show my screen" opens the browser's picker (the CSR chooses the
// screen, a window or a tab); then each customer is asked in the product's words ("Alice
// (support) asks to show you their screen") and sees it, in the agent's window, only once they
// allow it. Each customer is a viewer of their own: one may close it while another keeps
// watching. The browser's own "Stop sharing" ends it for everyone; so does "Stop showing".
// Signaling records each customer's start and stop (activity `csr_screen_share`).
import { h } from './dom.js';
import { describe } from './api.js';
import { sendVideo } from './peer.js';

const CAPABILITY = 'csr_screen_share';
/** How long a customer's agent may take to connect after they allowed it. */
const LINK_WAIT_MS = 10000;

export class ShowScreen {
  constructor(ctx) {
    this.ctx = ctx;
    this.stream = null;
    this.viewers = new Map(); // customer -> {link, sender}
    this.asked = new Set(); // customers asked while this showing runs
    this.startButton = h('button', { id: 'show-screen-start', onclick: () => this.start() }, 'Show my screen');
    this.stopButton = h('button', { class: 'danger', id: 'show-screen-stop', hidden: true, onclick: () => this.stop() }, 'Stop showing');
    this.state = h('p', { class: 'muted', id: 'show-screen-state', role: 'status', text: 'Your screen is not shown to anyone.' });
    this.preview = h('video', { id: 'show-screen-preview', autoplay: true, playsinline: true, muted: true, hidden: true, 'aria-label': 'Your screen as the customer sees it' });
    this.element = h('section', { class: 'show-screen', id: 'show-screen' },
      h('h3', {}, 'Show your screen to the customer'), h('div', { class: 'row' }, this.startButton, this.stopButton), this.state, this.preview);
    this.said = new Map(); // customer -> what the state line says of them
    this.names = new Map(); // customer -> their name when asked (kept after they leave)
  }

  onRoster() {
    const host = this.ctx.isHost();
    const anyone = this.ctx.customers().some((c) => c.online);
    this.startButton.disabled = !anyone || !host || !!this.stream;
    this.startButton.title = !anyone ? 'Available once a customer has joined.' : !host ? 'Only the host CSR can do this.' : '';
    if (!this.stream) return;
    for (const [customer, v] of [...this.viewers]) {
      const g = this.ctx.grant(customer, CAPABILITY);
      const granted = !!g && g.state === 'granted';
      // The roster may list the grant after the answer arrived: only a grant seen, then gone,
      // means the customer closed it.
      if (granted) v.seen = true;
      const online = this.ctx.customers().some((c) => c.id === customer && c.online);
      // A customer who closed it: signaling stopped it with the grant. One gone offline (a
      // reconnecting agent) still has it running there: this console stops sending, so it
      // says so, or signaling would keep it running for a picture nobody sends (seed 661479).
      const gone = !online && !!this.ctx.participant(customer);
      if ((v.seen && !granted) || !online) this.stopFor(customer, online ? 'closed your screen' : 'left', gone);
    }
    // Someone who left is no longer spoken of, unless they were watching (then: "left").
    for (const customer of [...this.said.keys()]) {
      if (!this.viewers.has(customer) && !this.ctx.participant(customer) && this.said.get(customer) !== 'left') this.said.delete(customer);
    }
    this.render();
    // A customer who joined while the screen is shown is asked too.
    for (const c of this.ctx.customers().filter((x) => x.online && !this.asked.has(x.id))) this.ask(c.id);
    if (!host) this.stop();
  }

  async start() {
    if (this.stream) return;
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (e) {
      this.state.textContent = `Your screen cannot be shown: ${describe(e)}`;
      return;
    }
    this.stream = stream;
    const track = stream.getVideoTracks()[0];
    // The browser's own "Stop sharing" bar.
    track.addEventListener('ended', () => this.stop());
    this.preview.srcObject = stream;
    this.preview.hidden = false;
    this.startButton.disabled = true;
    this.stopButton.hidden = false;
    this.asked.clear();
    this.said.clear();
    for (const c of this.ctx.customers().filter((x) => x.online)) this.ask(c.id);
    this.render();
  }

  async ask(customer) {
    this.asked.add(customer);
    this.names.set(customer, this.ctx.name(customer));
    this.said.set(customer, 'asked to view it…');
    this.render();
    let ok = false;
    try {
      ok = await this.ctx.askConsent(customer, CAPABILITY);
    } catch (e) {
      this.said.set(customer, describe(e));
      return this.render();
    }
    if (!this.stream) return;
    if (!ok) {
      this.said.set(customer, 'said no');
      return this.render();
    }
    // A customer who just joined may not be connected yet: wait a little for their agent.
    let link = this.ctx.link(customer);
    for (let waited = 0; (!link || !link.pc) && waited < LINK_WAIT_MS && this.stream; waited += 250) {
      await new Promise((r) => setTimeout(r, 250));
      link = this.ctx.link(customer);
    }
    if (!this.stream) return;
    if (!link || !link.pc) {
      this.said.set(customer, 'is not connected yet');
      return this.render();
    }
    const ref = this.ctx.activity(true, CAPABILITY, customer);
    this.ctx.onRefusal(ref, (e) => { this.said.set(customer, describe(e)); this.stopFor(customer, null, false); this.render(); });
    const track = this.stream.getVideoTracks()[0];
    const g = this.ctx.grant(customer, CAPABILITY);
    // Known as a viewer before anything is said or sent, so that "Stop showing" always reaches
    // the agent and signaling, whatever fails below.
    const viewer = { link, sender: null, seen: !!g && g.state === 'granted' };
    this.viewers.set(customer, viewer);
    // Said before the track is added: the agent knows it as a screen from its first picture.
    link.send({ type: 'csr_share_started', track: track.id, stream: this.stream.id });
    try {
      viewer.sender = sendVideo(link.pc, track, this.stream);
    } catch (e) {
      this.said.set(customer, describe(e));
      this.stopFor(customer, null);
      return this.render();
    }
    this.said.set(customer, 'sees it');
    this.render();
  }

  /** Stops showing to `customer`; `why` is what the state line says of them afterwards. */
  stopFor(customer, why, tellSignaling = true) {
    const v = this.viewers.get(customer);
    if (!v) return;
    this.viewers.delete(customer);
    if (v.link.pc && v.sender) {
      try { v.link.pc.removeTrack(v.sender); } catch { /* the connection is gone */ }
    }
    v.link.send({ type: 'csr_share_stopped' });
    if (tellSignaling) this.ctx.activity(false, CAPABILITY, customer);
    if (why) this.said.set(customer, why);
    this.render();
  }

  stop() {
    if (!this.stream) return;
    for (const customer of [...this.viewers.keys()]) this.stopFor(customer, null);
    this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.preview.srcObject = null;
    this.preview.hidden = true;
    this.stopButton.hidden = true;
    this.said.clear();
    this.state.textContent = 'Your screen is not shown to anyone.';
    this.onRoster();
  }

  /** The agent refused (no grant there): that customer does not see it. */
  onPeer(customer, msg) {
    if (msg.type === 'error' && msg.code === 'consent_required' && this.viewers.has(customer)) {
      this.stopFor(customer, 'did not allow it on their computer');
    }
  }

  render() {
    if (!this.stream) return;
    const parts = [...this.said].map(([c, what]) => `${this.names.get(c) || this.ctx.name(c)} ${what}`);
    this.state.textContent = `Showing your screen. ${parts.length ? `${parts.join('; ')}.` : 'No customer is here yet.'}`;
  }

  destroy() {
    this.stop();
  }
}
