// S8 audio (VoIP with the browser's microphone, mute, who is speaking) and S9 video (the CSR's
// camera, the customer's camera once they allow it; nothing before a customer has joined).
import { h } from './dom.js';
import { describe, showError, toast } from './api.js';
import { remember, recall } from './restore.js';
import { sendVideo } from './peer.js';

const SPEAKING_LEVEL = 0.04;

export class AvPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.mic = null;
    this.cam = null;
    this.levels = new Map(); // participant id -> analyser
    this.speakingNow = new Set();
    // `<customer> <track id>` -> {customer, track, stream}. Keyed by customer too: each agent
    // names its tracks from 1 (`camera-1`), so a customer who joined later reuses the ids of
    // one who left, whose ended track must not be shown for theirs.
    this.remote = new Map();
    this.micAsked = new Set(); // customers asked to join the audio conference
    this.senders = []; // [link, sender] of the CSR's camera
    this.audioState = h('p', { class: 'muted', id: 'audio-state', text: 'Not in the audio conference.' });
    this.joinButton = h('button', { class: 'primary', id: 'audio-join', onclick: () => this.joinAudio() }, 'Join audio (VoIP)');
    this.muteButton = h('button', { id: 'audio-mute', hidden: true, onclick: () => this.toggleMute() }, 'Mute');
    this.leaveButton = h('button', { id: 'audio-leave', hidden: true, onclick: () => this.leaveAudio() }, 'Leave audio');
    this.videoButton = h('button', { class: 'primary', id: 'video-start', onclick: () => this.startVideo() }, 'Start my video');
    this.videoStop = h('button', { id: 'video-stop', hidden: true, onclick: () => this.stopVideo() }, 'Stop my video');
    this.camAsk = h('button', { id: 'camera-ask', onclick: () => this.askCamera() }, "Ask for the customer's video");
    this.videoState = h('p', { class: 'muted', id: 'video-state' });
    this.localVideo = h('video', { class: 'tile', autoplay: true, muted: true, playsinline: true, hidden: true, 'aria-label': 'My video' });
    this.remoteVideo = h('video', { class: 'tile', id: 'customer-video', autoplay: true, playsinline: true, muted: true, hidden: true, 'aria-label': "Customer's video" });
    this.audioSink = h('div', { hidden: true });
    this.element = h('div', { class: 'panel', id: 'panel-av' },
      h('section', { class: 'card' }, h('h3', { text: 'Audio conference' }), h('div', { class: 'row' }, this.joinButton, this.muteButton, this.leaveButton), this.audioState),
      h('section', { class: 'card' }, h('h3', { text: 'Video' }), h('div', { class: 'row' }, this.videoButton, this.videoStop, this.camAsk), this.videoState,
        h('div', { class: 'tiles' }, this.localVideo, this.remoteVideo)),
      this.audioSink);
    this.timer = setInterval(() => this.measure(), 250);
  }

  destroy() {
    clearInterval(this.timer);
    for (const s of [this.mic, this.cam]) if (s) s.getTracks().forEach((t) => t.stop());
    if (this.audioCtx) this.audioCtx.close();
  }

  onRoster(roster) {
    this.checkCamera();
    const c = this.ctx.customer();
    const video = roster.features.video;
    this.videoButton.disabled = !c || !video || !!this.cam;
    this.videoButton.title = !video ? 'The site administrator has switched video off.' : !c ? 'Video can start only after a customer has joined.' : '';
    this.camAsk.disabled = !c || !video || !this.ctx.isHost();
    if (!c && !this.cam) this.videoState.textContent = 'Video can start only after a customer has joined.';
    else if (this.videoState.textContent.startsWith('Video can start')) this.videoState.textContent = '';
    // New connections get the microphone too, and a customer who joined later is asked to join
    // the audio conference (S8); the CSR's running video goes to them as well (S9).
    if (this.mic) for (const l of this.ctx.links.values()) if (l.audio && !l.audio.sender.track) l.setMicrophone(this.mic.getAudioTracks()[0]).catch(() => {});
    if (this.mic) for (const p of this.ctx.customers()) if (p.online && !this.micAsked.has(p.id)) this.askMicrophone(p.id);
    this.offerConference(roster);
    if (this.cam) {
      const track = this.cam.getVideoTracks()[0];
      for (const l of this.ctx.links.values()) {
        if (l.pc && !this.senders.some(([sent]) => sent === l)) this.senders.push([l, sendVideo(l.pc, track, this.cam)]);
      }
    }
  }

  /**
   * A CSR who is not in the audio conference while others are is asked to join it (S8): once
   * per conference, in the panel and with a notice wherever the console is.
   */
  offerConference(roster) {
    const others = (roster ? roster.running : []).filter((r) => r.activity === 'audio_conference' && r.by !== this.ctx.me);
    if (!others.length) { this.conferenceOffered = false; return; }
    if (this.mic || this.conferenceOffered) return;
    this.conferenceOffered = true;
    const names = [...new Set(others.map((r) => this.ctx.name(r.by)))].join(' and ');
    const text = `${names} ${others.length > 1 ? 'are' : 'is'} in the audio conference. Join it with "Join audio (VoIP)".`;
    this.audioState.textContent = text;
    toast(`${text.replace(' with "Join audio (VoIP)"', '')} Join it under Audio and video.`);
  }

  /** Asks `customer` to join the audio conference with their microphone (S8, S21), once. */
  async askMicrophone(customer) {
    this.micAsked.add(customer);
    this.audioState.textContent = "You are in the audio conference. Waiting for the customer's permission for their microphone…";
    try {
      if (await this.ctx.askConsent(customer, 'microphone')) {
        const l = this.ctx.links.get(customer);
        if (l) l.send({ type: 'start_media', kind: 'microphone' });
      } else this.audioState.textContent = 'You are in the audio conference. The customer did not allow their microphone.';
    } catch (e) {
      this.audioState.textContent = `You are in the audio conference. ${describe(e)}`;
    }
  }

  speaking(id) {
    return this.speakingNow.has(id);
  }

  ctxAudio() {
    if (!this.audioCtx) this.audioCtx = new AudioContext();
    return this.audioCtx;
  }

  watchLevel(id, stream) {
    try {
      const ac = this.ctxAudio();
      const an = ac.createAnalyser();
      an.fftSize = 512;
      ac.createMediaStreamSource(stream).connect(an);
      this.levels.set(id, an);
    } catch { /* no audio analysis in this browser: no speaking indicator */ }
  }

  measure() {
    const now = new Set();
    const buf = new Float32Array(512);
    for (const [id, an] of this.levels) {
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      const muted = id === this.ctx.me && this.mic && !this.mic.getAudioTracks()[0].enabled;
      if (!muted && Math.sqrt(sum / buf.length) > SPEAKING_LEVEL) now.add(id);
    }
    const changed = now.size !== this.speakingNow.size || [...now].some((x) => !this.speakingNow.has(x));
    this.speakingNow = now;
    if (changed) this.ctx.renderParticipants();
  }

  async joinAudio() {
    try {
      this.mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    } catch (e) {
      this.audioState.textContent = `The microphone cannot be used: ${describe(e)}`;
      return;
    }
    const track = this.mic.getAudioTracks()[0];
    for (const l of this.ctx.links.values()) await l.setMicrophone(track).catch(showError);
    this.watchLevel(this.ctx.me, this.mic);
    this.joinButton.hidden = true;
    this.muteButton.hidden = false;
    this.leaveButton.hidden = false;
    this.audioState.textContent = 'You are in the audio conference.';
    this.ctx.recording.addAudio(this.mic);
    // Signaling lists who is in the conference: CSRs who join later are asked to join it too.
    this.ctx.activity(true, 'audio_conference');
    // Ask the customers to join with their microphone (S8, S21), for this CSR (each CSR hears
    // a customer under their own grant); later ones when they join.
    this.micAsked = new Set();
    for (const c of this.ctx.customers()) if (c.online) await this.askMicrophone(c.id);
  }

  toggleMute() {
    const t = this.mic && this.mic.getAudioTracks()[0];
    if (!t) return;
    t.enabled = !t.enabled;
    this.muteButton.textContent = t.enabled ? 'Mute' : 'Unmute';
    this.audioState.textContent = t.enabled ? 'You are in the audio conference.' : 'You are muted.';
  }

  async leaveAudio() {
    for (const l of this.ctx.links.values()) {
      await l.setMicrophone(null).catch(() => {});
      l.send({ type: 'stop_media', kind: 'microphone' });
    }
    if (this.mic) this.mic.getTracks().forEach((t) => t.stop());
    if (this.mic) this.ctx.activity(false, 'audio_conference');
    this.mic = null;
    this.levels.delete(this.ctx.me);
    this.micAsked = new Set();
    this.joinButton.hidden = false;
    this.muteButton.hidden = true;
    this.leaveButton.hidden = true;
    this.audioState.textContent = 'Not in the audio conference.';
  }

  async startVideo() {
    const c = this.ctx.customer();
    if (!c) return;
    const ref = this.ctx.activity(true, 'csr_video');
    let refused = false;
    this.ctx.onRefusal(ref, (e) => { refused = true; this.videoState.textContent = describe(e); this.stopVideo(); });
    try {
      this.cam = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
    } catch (e) {
      this.videoState.textContent = `The camera cannot be used: ${describe(e)}`;
      this.ctx.activity(false, 'csr_video');
      return;
    }
    if (refused) return this.stopVideo();
    this.localVideo.srcObject = this.cam;
    this.localVideo.hidden = false;
    const track = this.cam.getVideoTracks()[0];
    this.senders = [...this.ctx.links.values()].filter((l) => l.pc).map((l) => [l, sendVideo(l.pc, track, this.cam)]);
    this.videoButton.disabled = true;
    this.videoStop.hidden = false;
    this.videoState.textContent = 'Your video is shown to the customer, who is offered to share theirs back.';
  }

  stopVideo() {
    for (const [l, sender] of this.senders || []) if (l.pc) l.pc.removeTrack(sender);
    this.senders = [];
    if (this.cam) {
      this.cam.getTracks().forEach((t) => t.stop());
      this.ctx.activity(false, 'csr_video');
    }
    this.cam = null;
    this.localVideo.hidden = true;
    this.videoStop.hidden = true;
    this.onRoster(this.ctx.roster);
  }

  async askCamera() {
    const c = this.ctx.customer();
    if (!c) return;
    this.videoState.textContent = "Waiting for the customer's permission for their camera…";
    try {
      if (!(await this.ctx.askConsent(c.id, 'camera'))) { this.videoState.textContent = 'The customer did not allow their camera.'; return; }
    } catch (e) {
      this.videoState.textContent = describe(e);
      return;
    }
    const l = this.ctx.link(c.id);
    if (l) l.send({ type: 'start_media', kind: 'camera' });
    this.videoState.textContent = "Starting the customer's camera…";
  }

  /**
   * The customer's camera shows only while it is live: a customer who left or whose agent is
   * gone leaves no frozen picture (their camera stopped), and one who stopped answering shows a
   * notice until they answer again.
   */
  checkCamera(gone = false) {
    const customer = this.cameraCustomer;
    if (!customer) return;
    const p = this.ctx.participant(customer);
    const name = this.ctx.name(customer);
    if (!p || gone) {
      this.keepCamera(null);
      this.remoteVideo.hidden = true;
      this.remoteVideo.srcObject = null;
      this.videoState.textContent = !p ? `${name} left the session: their camera stopped.` : `${name}'s agent stopped responding: their camera stopped.`;
      return;
    }
    const link = this.ctx.links.get(customer);
    const live = p.online && !!link && link.live;
    if (live === !this.cameraStale) return;
    this.cameraStale = !live;
    this.remoteVideo.hidden = !live || !this.remoteVideo.srcObject;
    this.videoState.textContent = live ? `Showing ${name}'s camera.` : `${name}'s agent stopped responding; their camera is no longer live.`;
  }

  onLinkState(customer, state) {
    if (customer === this.cameraCustomer) this.checkCamera(state === 'gone');
    if (state === 'gone') for (const [key, e] of this.remote) if (e.customer === customer) this.remote.delete(key);
    if (state === 'ready') this.resumeCamera(customer);
  }

  /** Which customer's camera this console shows, kept across a reload of this tab. */
  keepCamera(customer) {
    this.cameraCustomer = customer;
    if (!customer) this.cameraStale = false;
    remember(this.ctx.id, 'camera', customer);
  }

  /**
   * After a reload: the customer's camera showed before it, and their grant to this CSR is
   * still live, so it is asked for again on the new connection (S21: no new prompt; the agent
   * checks the grant itself). Without a live grant it stays off.
   */
  resumeCamera(customer) {
    if (this.cameraResumed || recall(this.ctx.id, 'camera') !== customer) return;
    this.cameraResumed = true;
    const g = this.ctx.grant(customer, 'camera');
    const l = this.ctx.link(customer);
    if (!g || g.state !== 'granted' || !l) return this.keepCamera(null);
    l.send({ type: 'start_media', kind: 'camera' });
    this.videoState.textContent = `Resuming ${this.ctx.name(customer)}'s camera after the reload; their permission is still valid…`;
  }

  /** Shows the customer's camera track `id`, or their live video track when that id is unknown. */
  showCamera(customer, id, stream = this.cameraStream) {
    this.cameraStream = stream;
    this.cameraCustomer = customer;
    this.cameraStale = false;
    // The agent's track ids survive only on transceivers the agent's side created; the console
    // offers them all, so the camera arrives on one of the console's video transceivers, named
    // by the agent's stream id (`agent-<track>`, its answer's msid).
    const r = this.remote.get(`${customer} ${id}`)
      || [...this.remote.values()].find((e) => e.customer === customer && e.stream && (e.stream.id === `agent-${id}` || e.stream.id === stream) && e.track.readyState === 'live')
      // The agent may carry a new camera track on the section of an earlier one (no new
      // `track` event, the old stream id): any live camera video of this customer, never a share.
      || [...this.remote.values()].reverse().find((e) => e.customer === customer && e.track.kind === 'video' && e.track.readyState === 'live'
        && !(e.stream && e.stream.id.startsWith('agent-share-')) && !(stream && e.stream && e.stream.id !== stream));
    this.cameraPending = r ? null : customer;
    this.cameraTrack = id;
    if (!r) return;
    this.remoteVideo.srcObject = new MediaStream([r.track]);
    this.remoteVideo.hidden = false;
  }

  onTrack(customer, ev) {
    this.remote.set(`${customer} ${ev.track.id}`, { customer, track: ev.track, stream: ev.streams[0] });
    // The camera's own track arriving after `media_started` replaces whatever was shown for it.
    const ours = ev.streams[0] && (ev.streams[0].id === `agent-${this.cameraTrack}` || ev.streams[0].id === this.cameraStream) && this.cameraCustomer === customer;
    if (ev.track.kind === 'video' && (this.cameraPending === customer || ours)) this.showCamera(customer, this.cameraTrack);
    if (ev.track.kind === 'audio') {
      const stream = new MediaStream([ev.track]);
      const el = h('audio', { autoplay: true });
      el.srcObject = stream;
      this.audioSink.append(el);
      ev.track.addEventListener('unmute', () => this.watchLevel(customer, stream), { once: true });
      this.ctx.recording.addAudio(stream);
    }
  }

  onPeer(customer, msg) {
    if (msg.type === 'media_started' && msg.kind === 'camera') {
      // The customer page names its camera by its stream (msid); the agent by its track.
      this.showCamera(customer, msg.track, typeof msg.stream === 'string' ? msg.stream : null);
      this.keepCamera(customer);
      this.videoState.textContent = `Showing ${this.ctx.name(customer)}'s camera.`;
    } else if (msg.type === 'media_started' && msg.kind === 'microphone') {
      this.audioState.textContent = `You are in the audio conference with ${this.ctx.name(customer)}.`;
    } else if (msg.type === 'media_stopped') {
      const why = msg.code === 'consent_revoked' ? 'The customer revoked permission' : describe(msg);
      // The same words whichever of the agent's stop and signaling's revocation comes first.
      if (msg.kind === 'camera') { this.keepCamera(null); this.remoteVideo.hidden = true; this.videoState.textContent = `${why}: their camera stopped.`; }
      else this.audioState.textContent = `${why}: their microphone stopped.`;
    }
  }

  onEvent(ev) {
    if (ev.event === 'consent_revoked' && ev.capability === 'camera') { this.keepCamera(null); this.remoteVideo.hidden = true; this.videoState.textContent = "The customer revoked permission: their camera stopped."; }
    if (ev.event === 'consent_revoked' && ev.capability === 'microphone') this.audioState.textContent = "The customer revoked permission: their microphone stopped.";
  }
}

