// S16: recording. The customer is asked first; the recorder shows once they allow it. The
// browser records what this console shows (the shared screen, drawn into a canvas, and the
// conference audio) with MediaRecorder as WebM (VP8 + Opus), and uploads the file to the
// session record when recording stops (POST /api/sessions/{id}/recordings).
import { h } from './dom.js';
import { describe, upload, toast } from './api.js';

const MIME = 'video/webm;codecs=vp8,opus';

export class RecordingPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.recorder = null;
    this.audioSources = [];
    this.state = h('p', { class: 'muted', id: 'recording-state', text: 'The customer is asked before recording starts.' });
    this.ask = h('button', { class: 'primary', id: 'recording-ask', onclick: () => this.request() }, 'Request recording');
    this.startButton = h('button', { class: 'danger', id: 'recording-start', hidden: true, onclick: () => this.start() }, '● Start recording');
    this.stopButton = h('button', { id: 'recording-stop', hidden: true, onclick: () => this.stop() }, '■ Stop recording');
    this.permission = h('span', { class: 'tag', id: 'recording-permission', text: 'not asked' });
    this.element = h('div', { class: 'panel', id: 'panel-recording' },
      h('section', { class: 'card' }, h('h3', {}, 'Recording ', this.permission), h('div', { class: 'row' }, this.ask, this.startButton, this.stopButton), this.state));
  }

  destroy() {
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    clearInterval(this.painter);
  }

  onRoster() {
    const c = this.ctx.customer();
    const g = c && this.ctx.grant(c.id, 'recording');
    const state = g ? g.state : 'not asked';
    this.permission.textContent = state === 'granted' ? 'allowed' : state === 'pending' ? 'asked' : this.permission.textContent === 'refused' ? 'refused' : 'not asked';
    const granted = state === 'granted';
    this.ask.hidden = granted || !!this.recorder;
    this.ask.disabled = !c || !this.ctx.isHost();
    this.startButton.hidden = !granted || !!this.recorder;
    this.stopButton.hidden = !this.recorder;
  }

  async request() {
    const c = this.ctx.customer();
    if (!c) return;
    this.state.textContent = "Waiting for the customer's permission…";
    try {
      const ok = await this.ctx.askConsent(c.id, 'recording');
      this.state.textContent = ok ? 'The customer allowed recording.' : 'The customer said no.';
      if (!ok) this.permission.textContent = 'refused';
    } catch (e) {
      this.state.textContent = describe(e);
    }
    this.onRoster();
  }

  /** Audio to mix into the recording (the CSR's microphone, the customer's audio). */
  addAudio(stream) {
    this.audioSources.push(stream);
    if (this.mix) this.connect(stream);
  }

  connect(stream) {
    try { this.mix.ctx.createMediaStreamSource(stream).connect(this.mix.dest); } catch { /* a stream without audio */ }
  }

  async start() {
    const c = this.ctx.customer();
    if (!c || !window.MediaRecorder) {
      this.state.textContent = 'This browser cannot record.';
      return;
    }
    // What the console shows: the shared screen (or a title card) drawn 10 times a second.
    const canvas = h('canvas', { width: 1280, height: 720 });
    const g = canvas.getContext('2d');
    const video = document.getElementById('share-video');
    const paint = () => {
      g.fillStyle = '#111';
      g.fillRect(0, 0, canvas.width, canvas.height);
      if (video && video.videoWidth) {
        const s = Math.min(canvas.width / video.videoWidth, canvas.height / video.videoHeight);
        const w = video.videoWidth * s;
        const hh = video.videoHeight * s;
        g.drawImage(video, (canvas.width - w) / 2, (canvas.height - hh) / 2, w, hh);
      } else {
        g.fillStyle = '#ccc';
        g.font = '32px sans-serif';
        g.fillText(`Session ${this.ctx.id}: nothing shared`, 40, 80);
      }
    };
    paint();
    this.painter = setInterval(paint, 100);
    const ac = new AudioContext();
    // A suspended context delivers no audio, and the WebM muxer then waits for it forever.
    await ac.resume().catch(() => {});
    this.mix = { ctx: ac, dest: ac.createMediaStreamDestination() };
    // A destination without any input delivers no audio frames at all: feed it silence.
    const silence = ac.createConstantSource();
    silence.offset.value = 0;
    silence.connect(this.mix.dest);
    silence.start();
    for (const s of this.audioSources) this.connect(s);
    const stream = new MediaStream([...canvas.captureStream(10).getVideoTracks(), ...this.mix.dest.stream.getAudioTracks()]);
    const mime = MediaRecorder.isTypeSupported(MIME) ? MIME : 'video/webm';
    this.chunks = [];
    this.recorder = new MediaRecorder(stream, { mimeType: mime, videoBitsPerSecond: 1_500_000 });
    this.recorder.ondataavailable = (ev) => { if (ev.data.size) this.chunks.push(ev.data); };
    this.stopped = new Promise((resolve) => { this.recorder.onstop = resolve; });
    this.recorder.start(1000);
    this.customer = c.id;
    this.ctx.activity(true, 'recording', c.id);
    this.began = Date.now();
    this.state.textContent = 'Recording…';
    this.onRoster();
  }

  async stop(reason) {
    if (!this.recorder) return;
    const rec = this.recorder;
    if (rec.state !== 'inactive') rec.stop();
    await this.stopped;
    clearInterval(this.painter);
    this.mix.ctx.close();
    this.mix = null;
    this.recorder = null;
    if (reason !== 'revoked' && reason !== 'ended') this.ctx.activity(false, 'recording', this.customer);
    const blob = new Blob(this.chunks, { type: 'video/webm' });
    this.chunks = [];
    if (!blob.size) {
      this.state.textContent = 'The browser recorded nothing (no picture or sound reached the recorder); nothing was saved.';
      return;
    }
    this.state.textContent = `${reason === 'revoked' ? 'The customer revoked permission; recording stopped. ' : ''}Uploading the recording…`;
    this.onRoster();
    try {
      const r = await upload(`/api/sessions/${this.ctx.id}/recordings`, blob, 'video/webm');
      this.state.textContent = `${reason === 'revoked' ? 'The customer revoked permission; recording stopped. ' : ''}Recording saved with the session (${(r.bytes / 1048576).toFixed(1)} MiB).`;
      toast('Recording saved with the session.');
    } catch (e) {
      this.state.textContent = `The recording could not be saved: ${describe(e)}`;
    }
  }

  /** Before the session ends: stop and upload. */
  async finish() {
    if (this.recorder) await this.stop('ended');
  }

  onEvent(ev) {
    if (ev.event === 'consent_revoked' && ev.capability === 'recording') {
      if (this.recorder) this.stop('revoked');
      else this.state.textContent = 'The customer revoked permission for recording.';
    }
  }
}
