// S16: recording. The customer is asked first; the recorder shows once they allow it. The CSR
// chooses what is recorded (the shared screen, the cameras, the call's audio, the chat as
// WebVTT subtitles or a side file) and where it is kept (with the session on the server, or
// saved to their computer). The browser records what this console shows with MediaRecorder as
// WebM (VP8, Opus); when recording stops the file gets its duration and seek index (webm.js)
// and is uploaded (POST /api/sessions/{id}/recordings, the chat to …/{rec}/chat) or saved.
import { h } from './dom.js';
import { inBrowser, NEEDS_AGENT } from './session.js';
import { describe, upload, toast } from './api.js';
import { finishWebm } from './webm.js';
import { Transcript } from './transcript.js';

const MIME = 'video/webm;codecs=vp8,opus';
const MIME_SILENT = 'video/webm;codecs=vp8';
/** A key frame at least this often, so a player seeks to within about this much. */
const KEY_FRAME_MS = 2000;

function checkbox(id, label, checked) {
  const input = h('input', { type: 'checkbox', id, checked });
  return { input, label: h('label', { for: id }, input, ` ${label}`) };
}

function radio(name, id, value, label, checked) {
  const input = h('input', { type: 'radio', name, id, value, checked });
  return { input, label: h('label', { for: id }, input, ` ${label}`) };
}

/** Lets the browser save `blob` as `name` (the CSR's downloads). */
function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

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
    this.opt = {
      screen: checkbox('recording-screen', 'The shared screen', true),
      cameras: checkbox('recording-cameras', 'The cameras (yours and the customer’s)', true),
      audio: checkbox('recording-audio', 'The call’s audio', true),
      server: radio('recording-keep', 'recording-keep-server', 'server', 'With the session on the server', true),
      computer: radio('recording-keep', 'recording-keep-computer', 'computer', 'Saved to my computer', false),
    };
    this.chatChoice = h('select', { id: 'recording-chat' },
      h('option', { value: 'none' }, 'not kept'),
      h('option', { value: 'subtitles' }, 'as subtitles (WebVTT)'),
      h('option', { value: 'file' }, 'as a separate text file'));
    this.options = h('div', { id: 'recording-options', class: 'recording-options' },
      h('fieldset', {}, h('legend', {}, 'What is recorded'), this.opt.screen.label, this.opt.cameras.label, this.opt.audio.label,
        h('label', { for: 'recording-chat' }, 'The chat ', this.chatChoice)),
      h('fieldset', {}, h('legend', {}, 'Where it is kept'), this.opt.server.label, this.opt.computer.label));
    this.element = h('div', { class: 'panel', id: 'panel-recording' },
      h('section', { class: 'card' }, h('h3', {}, 'Recording ', this.permission), this.options,
        h('div', { class: 'row' }, this.ask, this.startButton, this.stopButton), this.state));
  }

  /** What the CSR chose. */
  choice() {
    return {
      screen: this.opt.screen.input.checked,
      cameras: this.opt.cameras.input.checked,
      audio: this.opt.audio.input.checked,
      chat: this.chatChoice.value,
      keep: this.opt.computer.input.checked ? 'computer' : 'server',
    };
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
    this.ask.disabled = !c || !this.ctx.isHost() || inBrowser(c);
    this.ask.title = inBrowser(c) ? NEEDS_AGENT : '';
    this.startButton.hidden = !granted || !!this.recorder || !!this.saving;
    this.stopButton.hidden = !this.recorder;
    for (const el of this.options.querySelectorAll('input, select')) el.disabled = !!this.recorder;
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
    const want = this.choice();
    this.want = want;
    // What the console shows, as chosen: the shared screen and the cameras (small, over the
    // screen, or side by side without it), or a title card, drawn 10 times a second.
    const canvas = h('canvas', { width: 1280, height: 720 });
    const g = canvas.getContext('2d');
    const fit = (v, x, y, w, hh) => {
      const s = Math.min(w / v.videoWidth, hh / v.videoHeight);
      g.drawImage(v, x + (w - v.videoWidth * s) / 2, y + (hh - v.videoHeight * s) / 2, v.videoWidth * s, v.videoHeight * s);
    };
    const paint = () => {
      g.fillStyle = '#111';
      g.fillRect(0, 0, canvas.width, canvas.height);
      const screen = document.getElementById('share-video');
      const showScreen = want.screen && screen && !screen.hidden && screen.videoWidth;
      const cams = want.cameras ? [...document.querySelectorAll('#panel-av video')].filter((v) => !v.hidden && v.videoWidth) : [];
      if (showScreen) fit(screen, 0, 0, canvas.width, canvas.height);
      if (showScreen) cams.forEach((v, i) => fit(v, canvas.width - 330, canvas.height - 190 * (i + 1), 320, 180));
      else cams.forEach((v, i) => fit(v, (canvas.width / cams.length) * i, 0, canvas.width / cams.length, canvas.height));
      if (!showScreen && !cams.length) {
        g.fillStyle = '#ccc';
        g.font = '32px sans-serif';
        g.fillText(`Session ${this.ctx.id}: nothing shown`, 40, 80);
      }
    };
    paint();
    this.painter = setInterval(paint, 100);
    const tracks = [...canvas.captureStream(10).getVideoTracks()];
    if (want.audio) {
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
      tracks.push(...this.mix.dest.stream.getAudioTracks());
    }
    const wanted = want.audio ? MIME : MIME_SILENT;
    const mime = MediaRecorder.isTypeSupported(wanted) ? wanted : 'video/webm';
    this.chunks = [];
    this.transcript = new Transcript();
    this.recorder = new MediaRecorder(new MediaStream(tracks), { mimeType: mime, videoBitsPerSecond: 1_500_000, videoKeyFrameIntervalDuration: KEY_FRAME_MS });
    this.recorder.ondataavailable = (ev) => { if (ev.data.size) this.chunks.push(ev.data); };
    this.stopped = new Promise((resolve) => { this.recorder.onstop = resolve; });
    this.recorder.start(1000);
    this.customer = c.id;
    this.ctx.activity(true, 'recording', c.id);
    this.began = Date.now();
    this.state.textContent = 'Recording…';
    this.onRoster();
  }

  /** A chat message while recording (from the chat panel): kept if the CSR chose so. */
  onChatLine(from, to, text) {
    if (this.recorder && this.transcript && this.want.chat !== 'none') this.transcript.add(Date.now() - this.began, from, to, text);
  }

  async stop(reason) {
    if (!this.recorder) return;
    const rec = this.recorder;
    if (rec.state !== 'inactive') rec.stop();
    await this.stopped;
    clearInterval(this.painter);
    if (this.mix) this.mix.ctx.close();
    this.mix = null;
    this.recorder = null;
    this.saving = true;
    try {
      await this.keep(reason);
    } finally {
      this.saving = false;
      this.onRoster();
      // The activity (and an "Allow once" grant with it) ends only after the upload: signaling
      // keeps a recording only while the customer's grant is live.
      if (reason !== 'revoked' && reason !== 'ended') this.ctx.activity(false, 'recording', this.customer);
    }
  }

  /** Keeps what was recorded where the CSR chose; nothing after a revocation on the server. */
  async keep(reason) {
    const raw = new Blob(this.chunks, { type: 'video/webm' });
    this.chunks = [];
    const why = reason === 'revoked' ? 'The customer revoked permission; recording stopped. ' : '';
    this.onRoster();
    if (!raw.size) {
      this.state.textContent = 'The browser recorded nothing (no picture or sound reached the recorder); nothing was saved.';
      return;
    }
    const { blob } = await finishWebm(raw);
    const want = this.want;
    const chat = want.chat === 'subtitles' ? { body: this.transcript.vtt(), type: 'text/vtt', ext: 'vtt' }
      : want.chat === 'file' ? { body: this.transcript.text(), type: 'text/plain', ext: 'txt' } : null;
    const name = `session-${this.ctx.id}-${new Date(this.began).toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
    if (want.keep === 'computer') {
      saveFile(blob, `${name}.webm`);
      if (chat) saveFile(new Blob([chat.body], { type: chat.type }), `${name}-chat.${chat.ext}`);
      this.state.textContent = `${why}Recording saved to your computer (${(blob.size / 1048576).toFixed(1)} MiB${chat ? ', with the chat' : ''}).`;
      toast('Recording saved to your computer.');
      return;
    }
    if (reason === 'revoked') {
      // Signaling keeps recordings only under a live grant.
      this.state.textContent = `${why}The recording was not kept on the server.`;
      return;
    }
    this.state.textContent = `${why}Uploading the recording…`;
    try {
      const r = await upload(`/api/sessions/${this.ctx.id}/recordings`, blob, 'video/webm');
      if (chat) await upload(`/api/sessions/${this.ctx.id}/recordings/${r.recording}/chat`, new Blob([chat.body]), chat.type);
      this.state.textContent = `${why}Recording saved with the session (${(r.bytes / 1048576).toFixed(1)} MiB${chat ? ', with the chat' : ''}).`;
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
