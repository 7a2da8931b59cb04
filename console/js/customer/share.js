// The customer's screen, a window or a tab, shown to the CSR who asked (S10 in the browser).
// The product asks first (consent.js, `screen_view`); when the CSR starts viewing, the page
// asks the customer to choose in the browser's own picker (the browser wants a click for it).
// Stop in the page (Allowed now, Stop everything) or the browser's own "Stop sharing" ends it
// at once: the console hears `share_stopped` on the control channel, then signaling's event.
import { h } from '../dom.js';

const GRANT = 'screen_view';
const TARGET = { kind: 'monitor', index: 0 };

export class ShareFeature {
  constructor(ctx) {
    this.ctx = ctx;
    this.share = null; // {csr, link, stream, track}
    this.pending = null; // {csr, link}: started by the CSR, waiting for the customer's choice
    this.chooseButton = h('button', { class: 'primary', id: 'share-choose', onclick: () => this.choose() }, 'Choose what to show');
    this.stopButton = h('button', { class: 'danger', id: 'share-stop', onclick: () => this.ctx.revoke(GRANT) }, 'Stop showing');
    this.state = h('p', { id: 'share-state', role: 'status' });
    this.preview = h('video', { id: 'share-preview', autoplay: true, muted: true, playsinline: true, 'aria-label': 'What you show' });
    this.element = h('section', { id: 'my-screen', hidden: true }, h('h2', { text: 'Your screen' }), this.state,
      h('div', { class: 'row' }, this.chooseButton, this.stopButton), this.preview);
    this.render();
  }

  granted(csr) {
    return this.ctx.granted(csr, GRANT);
  }

  onPeer(csr, link, msg) {
    switch (msg.type) {
      case 'list_sources':
        if (!this.granted(csr)) return link.send(consentRequired());
        link.send({ type: 'sources', request: msg.request, windows: [],
          monitors: [{ index: 0, name: 'A screen, window or tab (the customer chooses)', x: 0, y: 0, width: screen.width, height: screen.height, primary: true }] });
        return;
      case 'start_share':
        if (!this.granted(csr)) return link.send(consentRequired());
        if (this.share && this.share.csr === csr) return this.started();
        this.pending = { csr, link };
        this.render();
        // Straight to the picker while the customer's click on "Allow" still counts.
        if (navigator.userActivation && navigator.userActivation.isActive) this.choose();
        return;
      case 'stop_share':
        if ((this.share && this.share.csr === csr) || (this.pending && this.pending.csr === csr)) this.stop('activity_not_active', 'Support stopped viewing your screen.');
        return;
      default:
    }
  }

  async choose() {
    const p = this.pending;
    if (!p || !this.granted(p.csr) || this.picking) return;
    let stream;
    this.picking = true;
    this.chooseButton.disabled = true;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 15 }, audio: false });
    } catch (e) {
      if (this.pending !== p) return;
      this.pending = null;
      // The console still waits for the share to start: an error ends its wait.
      p.link.send({ type: 'error', code: 'declined', message: 'The customer chose nothing to show in the browser.' });
      this.ctx.line(`Nothing was shown: ${e.message || e.name}.`);
      return this.render();
    } finally {
      this.picking = false;
      this.chooseButton.disabled = false;
    }
    if (this.pending !== p || !this.granted(p.csr)) {
      stream.getTracks().forEach((t) => t.stop());
      return;
    }
    this.pending = null;
    const track = stream.getVideoTracks()[0];
    this.share = { csr: p.csr, link: p.link, stream, track };
    // The browser's own "Stop sharing" bar.
    track.addEventListener('ended', () => { if (this.share && this.share.track === track) this.stop('declined', 'The customer stopped sharing in the browser.'); });
    this.preview.srcObject = stream;
    // Said before the track goes out: the console counts it and offers a section for it.
    this.started();
    await p.link.setOutgoing('share', track);
    this.ctx.line(`${this.ctx.name(p.csr)} sees what you chose. Stop it here or with your browser's "Stop sharing".`);
    this.render();
  }

  started() {
    const { link, track } = this.share;
    const s = track.getSettings();
    link.send({ type: 'share_started', target: TARGET, track: track.id, stream: link.streamId('share'), width: s.width || screen.width, height: s.height || screen.height });
  }

  /** Ends the share (or the wait for the customer's choice); `code` tells the console why. */
  stop(code, message) {
    const s = this.share || this.pending;
    this.pending = null;
    if (!s) return;
    if (this.share) {
      this.share = null;
      s.track.stop();
      s.link.setOutgoing('share', null).catch(() => {});
      this.preview.srcObject = null;
    }
    // A share the console still waits for ends with an error; a running one with share_stopped.
    s.link.send(s.track ? { type: 'share_stopped', code, message } : { type: 'error', code, message });
    this.render();
  }

  /** The customer pressed Stop for this capability: stopped before signaling hears of it. */
  onRevoke(capability) {
    if (capability === GRANT) this.stop('consent_revoked', 'The customer stopped sharing their screen.');
  }

  onRoster() {
    const s = this.share || this.pending;
    if (s && !this.granted(s.csr)) this.stop('consent_revoked', 'The customer stopped sharing their screen.');
    this.render();
  }

  onLinkState(csr, state) {
    const s = this.share || this.pending;
    if (s && s.csr === csr && state === 'closed') {
      // The connection is gone: nothing to tell over it.
      if (this.share) { this.share.track.stop(); this.preview.srcObject = null; }
      this.share = null;
      this.pending = null;
      this.render();
    }
  }

  render() {
    const s = this.share || this.pending;
    this.element.hidden = !s;
    if (!s) return;
    const who = this.ctx.name(s.csr);
    this.state.textContent = this.share
      ? `${who} sees what you chose to show.`
      : `${who} may now see your screen. Choose the screen, window or tab to show in your browser's window.`;
    this.chooseButton.hidden = !!this.share;
    this.preview.hidden = !this.share;
  }
}

export function consentRequired() {
  return { type: 'error', code: 'consent_required', message: 'The customer has not granted this. Ask for permission first.' };
}
