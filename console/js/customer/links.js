// The customer page's WebRTC side (issue 14, phase 2): one ConsoleLink (peer.js, the answerer)
// per CSR whose console offers. Control messages go to the page's features (screen, call and
// video, files, system information); each decides on its own, under its own live grant from
// the roster, like the agent: without one it answers `consent_required`. What only the agent
// can do is answered `capture_unavailable` ("needs the support agent"); input is dropped
// without an answer, as the agent drops input without a grant.
import { ConsoleLink } from '../peer.js';

/** Control messages that need the agent; answered so the console is not left waiting. */
const AGENT_ONLY = ['list_dir', 'push_file', 'pull_file', 'clipboard'];

export class Links {
  /**
   * @param {object} ctx  the CustomerSession: me, iceServers, send(msg) to signaling, features
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.links = new Map(); // csr -> ConsoleLink
  }

  get(csr) {
    return this.links.get(csr) || null;
  }

  /** The link to `csr` when its control channel is up. */
  ready(csr) {
    const l = this.links.get(csr);
    return l && l.ready ? l : null;
  }

  all() {
    return [...this.links.entries()];
  }

  onSignal(csr, payload) {
    let link = this.links.get(csr);
    if (!link) {
      if (payload.kind !== 'offer') return;
      link = this.open(csr);
    }
    link.onSignal(payload).catch((e) => this.ctx.line(`The connection to support failed: ${e.message || e}`));
  }

  open(csr) {
    const link = new ConsoleLink({
      me: this.ctx.me,
      csr,
      iceServers: this.ctx.iceServers,
      signal: (payload) => this.ctx.send({ type: 'signal', to: csr, payload }, true),
      onMessage: (msg) => this.onMessage(csr, link, msg),
      onTrack: (ev) => this.each((f) => f.onTrack && f.onTrack(csr, ev)),
      onFileChannel: (ch) => this.each((f) => f.onFileChannel && f.onFileChannel(csr, ch)),
      onState: (state) => this.each((f) => f.onLinkState && f.onLinkState(csr, state)),
    });
    this.links.set(csr, link);
    return link;
  }

  each(f) {
    for (const feature of this.ctx.features) f(feature);
  }

  onMessage(csr, link, msg) {
    if (AGENT_ONLY.includes(msg.type) || (msg.type === 'start_share' && msg.target && msg.target.kind !== 'monitor')) {
      link.send({ type: 'error', code: 'capture_unavailable', message: 'This needs the support agent: the customer joined in the browser.' });
      return;
    }
    this.each((f) => f.onPeer && f.onPeer(csr, link, msg));
  }

  /** Links to CSRs who left are closed (what ran over them ended with them). */
  onRoster(roster) {
    const here = new Set(roster.participants.filter((p) => p.role === 'csr').map((p) => p.id));
    for (const [csr, link] of this.links) {
      if (here.has(csr)) continue;
      link.close(false);
      this.links.delete(csr);
      this.each((f) => f.onLinkState && f.onLinkState(csr, 'closed'));
    }
  }

  closeAll() {
    for (const l of this.links.values()) l.close();
    this.links.clear();
  }
}
