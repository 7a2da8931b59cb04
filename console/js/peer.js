// One WebRTC connection between a CSR's console and one customer, shared by both ends (issue
// 14: no second copy): the console's side, AgentLink (the offerer, to the agent or to the
// customer page), and the customer page's side, ConsoleLink (the answerer, to one CSR's
// console). Both speak the `control` data channel (docs/protocol.md): `hello` first, JSON text
// messages queued until the other side's hello; ICE candidates, `bye`, liveness; files on
// `file:<transfer>` channels in chunks of 64 KiB with back-pressure, checked by SHA-256.
//
// The console is always the offerer: it creates the `control` channel, a sendrecv audio and a
// recvonly video transceiver from the first offer, and offers again whenever the other side
// says `renegotiation_needed` or a local track is added. The answerer can only send on sections
// the console offered: each offer holds as many receiving video sections as the other side has
// video tracks at once (screen and camera); the console offers no send-only video section.

import { Sha256 } from './sha256.js';

export const PROTOCOL_VERSION = 1;
export const CHUNK_BYTES = 64 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/** What both ends share: the peer connection's handlers, the control channel, ICE, bye, files. */
class Peer {
  /**
   * @param {object} o
   * @param {string} o.me         this side's participant id (said in `hello`)
   * @param {RTCIceServer[]} o.iceServers
   * @param {boolean} [o.relayOnly] only TURN relay candidates
   * @param {(payload: object) => void} o.signal  sends a `signal` payload to the other side
   * @param {(msg: object) => void} o.onMessage   a control-channel message from the other side
   * @param {(ev: RTCTrackEvent) => void} o.onTrack
   * @param {(ch: RTCDataChannel) => void} o.onFileChannel  a `file:<id>` channel the other side opened
   * @param {(state: string) => void} o.onState
   */
  constructor(o) {
    Object.assign(this, o);
    this.pc = null;
    this.control = null;
    this.ready = false; // the other side's hello arrived
    this.alive = false; // ICE says the other side answers (consent checks, RFC 7675)
    this.pendingCandidates = [];
    this.queue = [];
  }

  /** A new peer connection with the handlers both sides need. */
  connect() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.relayOnly ? 'relay' : 'all' });
    this.pc = pc;
    pc.onicecandidate = (ev) => { if (ev.candidate) this.signal({ kind: 'ice', candidate: ev.candidate.toJSON() }); };
    pc.ontrack = (ev) => this.onTrack(ev);
    pc.ondatachannel = (ev) => {
      if (ev.channel.label === 'control') this.useControl(ev.channel);
      else if (ev.channel.label.startsWith('file:')) this.onFileChannel(ev.channel);
    };
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    // Liveness: the browser checks every few seconds that the other side still answers (ICE
    // consent freshness); 'disconnected' comes seconds after it stops answering, long before
    // 'failed' or the data channel's close. A hung or killed peer shows as not responding.
    pc.oniceconnectionstatechange = () => {
      const alive = pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
      if (alive === this.alive) return;
      this.alive = alive;
      this.onState(alive ? 'responding' : 'not_responding');
    };
    return pc;
  }

  /** The `control` channel: hello when open, then messages (text only, JSON). */
  useControl(control) {
    this.control = control;
    let greeted = false;
    const hello = () => {
      if (greeted) return;
      greeted = true;
      control.send(JSON.stringify({ type: 'hello', protocol_version: PROTOCOL_VERSION, participant: this.me }));
    };
    control.onopen = hello;
    if (control.readyState === 'open') hello();
    control.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (!msg || typeof msg !== 'object') return;
      if (msg.type === 'hello') {
        this.ready = true;
        this.onState('ready');
        for (const m of this.queue.splice(0)) this.send(m);
      }
      this.onControl(msg);
      this.onMessage(msg);
    };
    control.onclose = () => { if (this.control === control) { this.ready = false; this.onState('closed'); } };
  }

  /** A control message before the owner sees it (each side's own bookkeeping). */
  onControl() {}

  async onSignal(payload) {
    if (payload.kind === 'ice') {
      if (!this.pc) return;
      if (!this.pc.remoteDescription) this.pendingCandidates.push(payload.candidate);
      else await this.pc.addIceCandidate(payload.candidate).catch(() => {});
    } else if (payload.kind === 'bye') {
      this.close(false);
      this.onState('closed');
    } else {
      await this.onDescription(payload);
    }
  }

  /** Candidates that came before the remote description. */
  async addPendingCandidates() {
    for (const c of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
  }

  /** Sends a control message (queued until the other side said hello). */
  send(msg) {
    if (!this.ready || !this.control || this.control.readyState !== 'open') {
      this.queue.push(msg);
      return;
    }
    this.control.send(JSON.stringify(msg));
  }

  /** Opens `file:<transfer>` and sends `file` from `offset`; `progress(bytesSent)` as it goes. */
  async sendFile(transfer, file, offset, progress, cancelled) {
    const ch = this.pc.createDataChannel(`file:${transfer}`, { ordered: true });
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = LOW_WATER;
    await new Promise((resolve, reject) => {
      ch.onopen = resolve;
      ch.onclose = () => reject(new Error('The file channel closed before it opened.'));
    });
    let pos = offset;
    while (pos < file.size) {
      if (cancelled && cancelled()) break;
      if (ch.readyState !== 'open') throw new Error('The transfer was cut off.');
      if (ch.bufferedAmount > HIGH_WATER) {
        await new Promise((r) => { ch.onbufferedamountlow = r; });
        continue;
      }
      const buf = await file.slice(pos, Math.min(file.size, pos + CHUNK_BYTES)).arrayBuffer();
      ch.send(buf);
      pos += buf.byteLength;
      progress(pos);
    }
    return ch;
  }

  close(sayBye = true) {
    if (sayBye && this.control && this.control.readyState === 'open') {
      try { this.control.send(JSON.stringify({ type: 'bye' })); } catch { /* closing anyway */ }
    }
    if (this.pc) this.pc.close();
    this.pc = null;
    this.control = null;
    this.ready = false;
    this.alive = false;
    this.queue = []; // what was meant for this connection is not sent on the next one
  }

  /** The other side answered hello and still answers ICE checks: what it sends is live. */
  get live() {
    return this.ready && this.alive;
  }
}

/** The console's side: the offerer, to a customer's agent or customer page. */
export class AgentLink extends Peer {
  /** @param {object} o  as Peer, and o.customer: the customer's participant id */
  constructor(o) {
    super(o);
    this.negotiating = false;
    this.again = false;
    this.agentVideo = { share: null, camera: null }; // the customer's video tracks now running
  }

  start() {
    // The agent (or page) keeps one peer per CSR: drop whatever an earlier page load of ours
    // left there (a reload sends no goodbye), so this offer starts a fresh connection.
    // Signaling relays in order, so the bye arrives before the offer.
    this.signal({ kind: 'bye' });
    const pc = this.connect();
    this.audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.video = pc.addTransceiver('video', { direction: 'recvonly' });
    this.useControl(pc.createDataChannel('control', { ordered: true }));
    pc.onnegotiationneeded = () => this.negotiate();
  }

  onControl(msg) {
    if (msg.type === 'renegotiation_needed') this.negotiate();
    this.noteAgentVideo(msg);
  }

  /** Makes an offer now, or once the one in flight is answered. */
  async negotiate() {
    if (!this.pc || this.pc.connectionState === 'closed') return;
    if (this.negotiating || this.pc.signalingState !== 'stable') {
      this.again = true;
      return;
    }
    this.negotiating = true;
    try {
      this.offerVideoSections();
      const offer = await this.pc.createOffer();
      await this.pc.setLocalDescription(offer);
      this.signal({ kind: 'offer', sdp: this.pc.localDescription.sdp });
    } catch (e) {
      this.negotiating = false;
      this.onState('failed');
      throw e;
    }
  }

  /** Keeps the customer's running video tracks (one share, one camera at most) from their messages. */
  noteAgentVideo(msg) {
    if (msg.type === 'share_started') this.agentVideo.share = msg.track;
    else if (msg.type === 'share_stopped') this.agentVideo.share = null;
    else if (msg.type === 'media_started' && msg.kind === 'camera') this.agentVideo.camera = msg.track;
    else if (msg.type === 'media_stopped' && msg.kind === 'camera') this.agentVideo.camera = null;
  }

  /**
   * One receiving video section per running customer video track (sections are reused). The
   * CSR's camera section receives too (av.js), so the other side may send on it.
   */
  offerVideoSections() {
    const receiving = this.pc.getTransceivers().filter((t) => t.currentDirection !== 'stopped' && t.receiver.track.kind === 'video'
      && (t.direction === 'recvonly' || t.direction === 'sendrecv'));
    const running = Object.values(this.agentVideo).filter(Boolean).length;
    for (let n = receiving.length; n < running; n++) this.pc.addTransceiver('video', { direction: 'recvonly' });
  }

  async onDescription(payload) {
    if (!this.pc || payload.kind !== 'answer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp: payload.sdp });
    this.negotiating = false;
    await this.addPendingCandidates();
    if (this.again) {
      this.again = false;
      this.negotiate();
    }
  }

  /** Sets the microphone track sent to the customer (null stops sending). */
  async setMicrophone(track) {
    await this.audio.sender.replaceTrack(track);
  }
}

/**
 * The customer page's side: the answerer, to one CSR's console. It sends what it was asked to
 * (microphone, camera, screen) on the sections the console offered: the audio section always
 * (mute and stop replace the track, no renegotiation), each video on a section of its own,
 * taken from the offered receiving ones at the next offer (`renegotiation_needed` asks for it).
 */
export class ConsoleLink extends Peer {
  /** @param {object} o  as Peer, and o.csr: the CSR's participant id */
  constructor(o) {
    super(o);
    this.outgoing = { audio: null, share: null, camera: null }; // purpose -> track
    this.sections = {}; // purpose -> transceiver
    // One stream per video purpose for this connection's life: its id (the answer's msid)
    // names the purpose to the console whatever track is sent on it later.
    this.streams = { share: new MediaStream(), camera: new MediaStream() };
  }

  async onDescription(payload) {
    if (payload.kind !== 'offer') return;
    if (!this.pc) this.connect();
    await this.pc.setRemoteDescription({ type: 'offer', sdp: payload.sdp });
    await this.addPendingCandidates();
    await this.fitTracks(payload.sdp);
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.signal({ kind: 'answer', sdp: this.pc.localDescription.sdp });
  }

  /** Puts what this page sends on the offered sections (before answering). */
  async fitTracks(sdp) {
    const offered = offeredDirections(sdp);
    const ts = this.pc.getTransceivers().filter((t) => t.mid !== null && t.currentDirection !== 'stopped');
    const receivesHere = (t) => ['recvonly', 'sendrecv'].includes(offered.get(t.mid));
    const audio = this.sections.audio && ts.includes(this.sections.audio) ? this.sections.audio : ts.find((t) => t.receiver.track.kind === 'audio' && receivesHere(t));
    if (audio) {
      this.sections.audio = audio;
      audio.direction = offered.get(audio.mid) === 'sendrecv' ? 'sendrecv' : 'sendonly';
      await audio.sender.replaceTrack(this.outgoing.audio);
    }
    for (const purpose of ['share', 'camera']) {
      const track = this.outgoing[purpose];
      const kept = this.sections[purpose];
      if (kept && ts.includes(kept)) continue;
      delete this.sections[purpose];
      if (!track) continue;
      const taken = new Set(Object.values(this.sections));
      const free = ts.filter((t) => t.receiver.track.kind === 'video' && receivesHere(t) && !taken.has(t));
      const t = free.find((x) => offered.get(x.mid) === 'recvonly') || free[0];
      if (!t) continue; // the next offer has room (renegotiation_needed was sent)
      t.direction = offered.get(t.mid) === 'sendrecv' ? 'sendrecv' : 'sendonly';
      if (t.sender.setStreams) t.sender.setStreams(this.streams[purpose]);
      await t.sender.replaceTrack(track);
      this.sections[purpose] = t;
    }
  }

  /**
   * Sends `track` (null: nothing) for `purpose` ('audio', 'share', 'camera'). Returns whether
   * it is on its way now; false means a section is needed: the console is asked to offer again.
   */
  async setOutgoing(purpose, track) {
    this.outgoing[purpose] = track;
    const t = this.sections[purpose];
    if (t && this.pc) {
      await t.sender.replaceTrack(track);
      return true;
    }
    if (track && purpose !== 'audio') this.send({ type: 'renegotiation_needed' });
    return !track;
  }

  close(sayBye = true) {
    super.close(sayBye);
    this.sections = {}; // the next offer starts a new connection
  }

  /** The stream id the console knows a video purpose by. */
  streamId(purpose) {
    return this.streams[purpose].id;
  }
}

/** mid -> the direction an offer gives for that section. */
export function offeredDirections(sdp) {
  const out = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /\r?\na=mid:(\S+)/.exec(section);
    const dir = /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(section);
    if (mid) out.set(mid[1], dir ? dir[1] : 'sendrecv');
  }
  return out;
}

/**
 * Sends a video track of this CSR (camera, or the screen they show) on a transceiver of its own,
 * offering VP8 only (what the agent decodes). addTrack would reuse the recvonly video
 * transceiver of the first offer, which the agent's WebRTC stack then never receives on. The
 * transceiver also receives (sendrecv): the agent's stack puts a later share or camera on the
 * first video section without a sender of its own, and may do so here; a send-only section would
 * carry that picture nowhere, and the agent's answer would be rejected ("Incompatible receive
 * direction", docs/webrtc-interop.md). Returns the sender (`pc.removeTrack(sender)` stops it).
 */
export function sendVideo(pc, track, stream) {
  const t = pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream] });
  const caps = RTCRtpReceiver.getCapabilities && RTCRtpReceiver.getCapabilities('video');
  const vp8 = caps ? caps.codecs.filter((c) => /^video\/(vp8|rtx)$/i.test(c.mimeType)) : [];
  if (vp8.length && t.setCodecPreferences) t.setCodecPreferences(vp8);
  return t.sender;
}

/** Up to this size a file is hashed whole by WebCrypto (native, fast). Chromium cannot read a
 * large Blob into one ArrayBuffer (512 MiB already fails with NotReadableError), so larger files
 * go through {@link Sha256} in slices. */
export const WHOLE_HASH_BYTES = 128 * 1024 * 1024;
const HASH_SLICE_BYTES = 8 * 1024 * 1024;
/** An arriving file is kept in Blobs of this many bytes. */
const SEGMENT_BYTES = 16 * 1024 * 1024;

/** SHA-256 of a Blob as lowercase hex. WebCrypto exists only in secure contexts (HTTPS or
 * localhost): a page served over plain HTTP hashes in JavaScript. */
export async function sha256Hex(blob) {
  if (blob.size <= WHOLE_HASH_BYTES && globalThis.crypto?.subtle) {
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  const hash = new Sha256();
  for (let pos = 0; pos < blob.size; pos += HASH_SLICE_BYTES) hash.update(await blob.slice(pos, pos + HASH_SLICE_BYTES).arrayBuffer());
  return hash.hex();
}

/**
 * Receives a file of `size` bytes on a `file:<id>` channel: `progress(bytes)` as it arrives,
 * `done({blob, sha256})` once all bytes are in, `cut()` if the channel closes before. Large files
 * are hashed as they arrive (WebCrypto cannot take them whole, and a page on plain HTTP has no
 * WebCrypto); the bytes are kept as Blob segments, which Chromium may move out of the page (to
 * disk): the page holds at most one segment, whatever the size. More bytes than announced
 * are the sender's error: `done` gets what was announced only after the channel says so.
 * With `sink` (a save stream, save_stream.js) every chunk is hashed, then handed to it and not
 * kept: `done` gets no blob.
 */
export function receiveFile(ch, size, { progress, done, cut, buffered = [], sink = null }) {
  ch.binaryType = 'arraybuffer';
  const hash = sink || size > WHOLE_HASH_BYTES || !globalThis.crypto?.subtle ? new Sha256() : null;
  let parts = [];
  const segments = [];
  let pending = 0;
  let got = 0;
  let finished = false;
  const finish = async () => {
    finished = true;
    if (sink) {
      done({ blob: null, sha256: hash.hex(), over: got > size });
      return;
    }
    const blob = new Blob([...segments, ...parts], { type: 'application/octet-stream' });
    parts = [];
    done({ blob, sha256: hash ? hash.hex() : await sha256Hex(blob), over: got > size });
  };
  const take = (data) => {
    if (finished || !(data instanceof ArrayBuffer)) return;
    got += data.byteLength;
    if (got > size) { finish(); return; }
    if (hash) hash.update(data);
    progress(got);
    if (sink) {
      // Handed on (and given away): the page keeps nothing of a file saved as it arrives.
      sink.write(data);
      if (got >= size) finish();
      return;
    }
    parts.push(data);
    pending += data.byteLength;
    if (pending >= SEGMENT_BYTES) {
      segments.push(new Blob(parts));
      parts = [];
      pending = 0;
    }
    if (got >= size) finish();
  };
  for (const d of buffered) take(d);
  ch.onmessage = (ev) => take(ev.data);
  ch.onclose = () => { if (!finished) cut(); };
  if (size === 0) finish();
}
