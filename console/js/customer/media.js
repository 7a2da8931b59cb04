// The call and video in the browser (S8, S9, S10): the customer's microphone and camera go to
// each CSR who holds that grant (asked with `start_media`, or the customer's own camera, S9,
// offered with `consent_offer`); mute keeps the call. The CSRs' voices play here, their camera
// shows as a tile, and a CSR's shared screen (`csr_share_started`) shows scaled to fit while
// the customer's `csr_screen_share` grant holds; Close takes the grant back.
import { h, fill } from '../dom.js';
import { consentRequired } from './share.js';

const PURPOSE = { microphone: 'audio', camera: 'camera' };

export class MediaFeature {
  constructor(ctx) {
    this.ctx = ctx;
    this.devices = { microphone: null, camera: null }; // MediaStream
    this.sending = { microphone: new Set(), camera: new Set() }; // csr ids
    this.remote = new Map(); // `${csr} ${track id}` -> {csr, track, stream}
    this.csrShare = null; // {csr, track, stream}
    this.ownCamera = false; // the customer started their video (S9)
    this.offerSeq = 0;
    this.muteButton = h('button', { id: 'mic-mute', onclick: () => this.toggleMute() }, 'Mute');
    this.callState = h('p', { id: 'call-state', role: 'status' });
    this.audioSink = h('div', { hidden: true });
    this.call = h('section', { id: 'call', hidden: true }, h('h2', { text: 'Call' }), this.callState, h('div', { class: 'row' }, this.muteButton), this.audioSink);
    this.videoButton = h('button', { id: 'camera-start', onclick: () => this.startOwnCamera() }, 'Start my video');
    this.videoStop = h('button', { id: 'camera-stop', hidden: true, onclick: () => this.ctx.revoke('camera') }, 'Stop my video');
    this.myVideo = h('video', { class: 'tile', id: 'my-video', autoplay: true, muted: true, playsinline: true, 'aria-label': 'Your video' });
    this.csrVideo = h('video', { class: 'tile', id: 'support-video', autoplay: true, muted: true, playsinline: true, 'aria-label': 'Support\'s video' });
    this.videoState = h('p', { class: 'muted', id: 'video-state' });
    this.video = h('section', { id: 'video' }, h('h2', { text: 'Video' }), this.videoState, h('div', { class: 'row' }, this.videoButton, this.videoStop),
      h('div', { class: 'tiles' }, this.csrBox = h('figure', { hidden: true }, this.csrVideo, this.csrCaption = h('figcaption')),
        this.myBox = h('figure', { hidden: true }, this.myVideo, h('figcaption', { text: 'You' }))));
    this.screenState = h('p', { id: 'support-screen-state', role: 'status' });
    this.screenVideo = h('video', { id: 'support-screen', autoplay: true, muted: true, playsinline: true, 'aria-label': "Support's screen" });
    this.screen = h('section', { id: 'support-screen-box', hidden: true }, h('h2', { text: "Support's screen" }),
      h('div', { class: 'row' }, this.screenState, h('button', { id: 'support-screen-close', onclick: () => this.ctx.revoke('csr_screen_share') }, 'Close')), this.screenVideo);
    this.element = h('div', {}, this.screen, this.call, this.video);
    this.render();
  }

  onPeer(csr, link, msg) {
    switch (msg.type) {
      case 'start_media':
        if (!PURPOSE[msg.kind]) return;
        if (!this.ctx.granted(csr, msg.kind)) return link.send(consentRequired());
        this.start(csr, link, msg.kind).catch((e) => {
          link.send({ type: 'error', code: 'device_unavailable', message: `The customer's ${msg.kind} cannot be used: ${e.message || e.name}` });
          this.ctx.line(`Your ${msg.kind} cannot be used: ${e.message || e.name}.`);
        });
        return;
      case 'stop_media':
        if (PURPOSE[msg.kind]) this.stop(csr, msg.kind, 'activity_not_active', 'Stopped.');
        return;
      case 'csr_share_started':
        if (typeof msg.track !== 'string' || msg.track.length > 128) return link.send({ type: 'error', code: 'invalid_message', message: 'A track id of at most 128 characters.' });
        if (!this.ctx.granted(csr, 'csr_screen_share')) return link.send(consentRequired());
        this.csrShare = { csr, track: msg.track, stream: typeof msg.stream === 'string' ? msg.stream : null };
        this.showScreen();
        return;
      case 'csr_share_stopped':
        if (this.csrShare && this.csrShare.csr === csr) this.closeScreen(`${this.ctx.name(csr)} stopped showing their screen.`);
        return;
      default:
    }
  }

  /** The device (asked once, shared by every CSR's connection) goes to `csr`. */
  async start(csr, link, kind) {
    if (!this.devices[kind]) {
      const stream = await navigator.mediaDevices.getUserMedia(kind === 'microphone'
        ? { audio: { echoCancellation: true, noiseSuppression: true } } : { video: { width: 640, height: 360 } });
      if (this.devices[kind]) stream.getTracks().forEach((t) => t.stop());
      else this.devices[kind] = stream;
    }
    if (!this.ctx.granted(csr, kind)) return this.release(kind);
    const track = this.devices[kind].getTracks()[0];
    this.sending[kind].add(csr);
    // Said before the track goes out: the console counts the camera and offers a section for it.
    link.send({ type: 'media_started', kind, track: track.id, stream: kind === 'camera' ? link.streamId('camera') : undefined });
    await link.setOutgoing(PURPOSE[kind], track);
    this.ctx.line(kind === 'microphone' ? `${this.ctx.name(csr)} hears you.` : `${this.ctx.name(csr)} sees your video.`);
    this.render();
  }

  /** Stops sending `kind` to `csr`, telling its console why. */
  stop(csr, kind, code, message) {
    if (!this.sending[kind].delete(csr)) return;
    const link = this.ctx.links.get(csr);
    if (link) {
      link.setOutgoing(PURPOSE[kind], null).catch(() => {});
      link.send({ type: 'media_stopped', kind, code, message });
    }
    this.release(kind);
    this.render();
  }

  /** The device is released once no one gets it. */
  release(kind) {
    if (this.sending[kind].size || !this.devices[kind]) return;
    this.devices[kind].getTracks().forEach((t) => t.stop());
    this.devices[kind] = null;
    if (kind === 'camera') this.ownCamera = false;
    this.render();
  }

  toggleMute() {
    const t = this.devices.microphone && this.devices.microphone.getAudioTracks()[0];
    if (!t) return;
    t.enabled = !t.enabled;
    this.render();
  }

  /** S9: the customer starts their own video: a session grant to each CSR here, then it goes out. */
  startOwnCamera() {
    this.ownCamera = true;
    for (const p of this.ctx.people.entries()) {
      const [id, person] = p;
      if (person.role !== 'csr' || !person.online) continue;
      if (this.ctx.granted(id, 'camera')) this.sendOwnCamera(id);
      else this.ctx.send({ type: 'consent_offer', request: `own-camera-${++this.offerSeq}`, csr: id, capability: 'camera' });
    }
    this.render();
  }

  sendOwnCamera(csr) {
    const link = this.ctx.links.ready(csr);
    if (!link || this.sending.camera.has(csr)) return;
    this.start(csr, link, 'camera').catch((e) => this.ctx.line(`Your camera cannot be used: ${e.message || e.name}.`));
  }

  onRevoke(capability) {
    if (PURPOSE[capability]) for (const csr of [...this.sending[capability]]) this.stop(csr, capability, 'consent_revoked', 'The customer took the permission back.');
    if (capability === 'camera') this.ownCamera = false;
    if (capability === 'csr_screen_share' && this.csrShare) this.closeScreen('You closed support\'s screen.');
  }

  onRoster() {
    for (const kind of Object.keys(PURPOSE)) {
      for (const csr of [...this.sending[kind]]) if (!this.ctx.granted(csr, kind)) this.stop(csr, kind, 'consent_revoked', 'The customer took the permission back.');
    }
    if (this.ownCamera) for (const [id, p] of this.ctx.people) if (p.role === 'csr' && this.ctx.granted(id, 'camera')) this.sendOwnCamera(id);
    if (this.csrShare && !this.ctx.granted(this.csrShare.csr, 'csr_screen_share')) this.closeScreen('Support\'s screen is closed.');
    this.render();
  }

  onLinkState(csr, state) {
    if (state === 'ready' && this.ownCamera && this.ctx.granted(csr, 'camera')) this.sendOwnCamera(csr);
    if (state !== 'closed') return;
    for (const kind of Object.keys(PURPOSE)) { this.sending[kind].delete(csr); this.release(kind); }
    for (const [key, r] of this.remote) if (r.csr === csr) this.remote.delete(key);
    if (this.csrShare && this.csrShare.csr === csr) this.closeScreen('');
    this.render();
  }

  onTrack(csr, ev) {
    const stream = ev.streams[0] || new MediaStream([ev.track]);
    this.remote.set(`${csr} ${ev.track.id}`, { csr, track: ev.track, stream });
    if (ev.track.kind === 'audio') {
      const el = h('audio', { autoplay: true, class: 'support-voice', dataset: { csr } });
      el.srcObject = new MediaStream([ev.track]);
      this.audioSink.append(el);
      return;
    }
    // A video track shows while pictures come (muted: the CSR stopped sending on it).
    ev.track.addEventListener('unmute', () => this.render());
    ev.track.addEventListener('mute', () => this.render());
    this.showScreen();
    this.render();
  }

  isScreen(r) {
    const s = this.csrShare;
    return !!s && r.csr === s.csr && (r.track.id === s.track || (!!s.stream && r.stream.id === s.stream));
  }

  showScreen() {
    const s = this.csrShare;
    if (!s) return;
    const r = [...this.remote.values()].find((x) => this.isScreen(x));
    this.screen.hidden = false;
    this.screenState.textContent = `${this.ctx.name(s.csr)} shows you their screen.`;
    if (r && (!this.screenVideo.srcObject || this.screenVideo.srcObject.getVideoTracks()[0] !== r.track)) {
      this.screenVideo.srcObject = new MediaStream([r.track]);
      this.screenVideo.play().catch(() => {});
    }
  }

  closeScreen(said) {
    this.csrShare = null;
    this.screen.hidden = true;
    this.screenVideo.srcObject = null;
    if (said) this.ctx.line(said);
  }

  render() {
    const mic = this.devices.microphone && this.devices.microphone.getAudioTracks()[0];
    const voices = [...this.remote.values()].some((r) => r.track.kind === 'audio' && r.track.readyState === 'live' && !r.track.muted);
    this.call.hidden = !mic && !voices;
    this.muteButton.hidden = !mic;
    this.muteButton.textContent = mic && !mic.enabled ? 'Unmute' : 'Mute';
    const names = (set) => [...set].map((c) => this.ctx.name(c)).join(' and ');
    this.callState.textContent = mic ? (mic.enabled ? `${names(this.sending.microphone)} hear${this.sending.microphone.size > 1 ? '' : 's'} you.` : 'You are muted.') : 'You hear support.';
    const cam = this.devices.camera;
    this.myBox.hidden = !cam;
    if (cam && this.myVideo.srcObject !== cam) this.myVideo.srcObject = cam;
    this.videoButton.hidden = !!cam || this.ownCamera;
    this.videoStop.hidden = !cam;
    const csrCam = [...this.remote.values()].reverse().find((r) => r.track.kind === 'video' && r.track.readyState === 'live' && !r.track.muted && !this.isScreen(r));
    this.csrBox.hidden = !csrCam;
    this.csrCaption.textContent = csrCam ? `${this.ctx.name(csrCam.csr)} (support)` : '';
    if (csrCam && (!this.csrVideo.srcObject || this.csrVideo.srcObject.getVideoTracks()[0] !== csrCam.track)) {
      this.csrVideo.srcObject = new MediaStream([csrCam.track]);
      this.csrVideo.play().catch(() => {});
    }
    if (!csrCam) this.csrVideo.srcObject = null;
    fill(this.videoState, cam ? `${names(this.sending.camera) || 'No one'} sees your video.` : csrCam ? `${this.ctx.name(csrCam.csr)}'s video.` : 'No video.');
  }
}
