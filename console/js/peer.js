// The WebRTC connection from this console to one customer's agent. The console is always the
// offerer (docs/protocol.md): it creates the `control` data channel, a sendrecv audio and a
// recvonly video transceiver from the first offer (so the agent's tracks map onto them), and
// makes a new offer whenever the agent says `renegotiation_needed` or a local track is added.
// The agent, as answerer, can only send on sections the console offered: each offer holds as
// many receiving video sections as the agent has video tracks at once (screen and camera), and
// the console offers no send-only video section (the agent's stack may reuse any of them).

import { Sha256 } from './sha256.js';

export const PROTOCOL_VERSION = 1;
export const CHUNK_BYTES = 64 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export class AgentLink {
  /**
   * @param {object} o
   * @param {string} o.me         this CSR's participant id
   * @param {string} o.customer   the customer's participant id
   * @param {RTCIceServer[]} o.iceServers
   * @param {boolean} o.relayOnly only TURN relay candidates
   * @param {(payload: object) => void} o.signal  sends a `signal` payload to the customer
   * @param {(msg: object) => void} o.onMessage   a control-channel message from the agent
   * @param {(ev: RTCTrackEvent) => void} o.onTrack
   * @param {(ch: RTCDataChannel) => void} o.onFileChannel  a `file:<id>` channel the agent opened
   * @param {(state: string) => void} o.onState
   */
  constructor(o) {
    Object.assign(this, o);
    this.pc = null;
    this.control = null;
    this.ready = false; // the agent's hello arrived
    this.alive = false; // ICE says the agent answers (consent checks, RFC 7675)
    this.pendingCandidates = [];
    this.negotiating = false;
    this.again = false;
    this.queue = [];
    this.agentVideo = { share: null, camera: null }; // the agent's video tracks now running
  }

  start() {
    // The agent keeps one peer per CSR: drop whatever an earlier page load of ours left there
    // (a reload sends no goodbye), so this offer starts a fresh connection. Signaling relays in
    // order, so the bye arrives before the offer.
    this.signal({ kind: 'bye' });
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.relayOnly ? 'relay' : 'all' });
    this.pc = pc;
    this.audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
    this.video = pc.addTransceiver('video', { direction: 'recvonly' });
    const control = pc.createDataChannel('control', { ordered: true });
    this.control = control;
    control.onopen = () => control.send(JSON.stringify({ type: 'hello', protocol_version: PROTOCOL_VERSION, participant: this.me }));
    control.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type === 'hello') {
        this.ready = true;
        this.onState('ready');
        for (const m of this.queue.splice(0)) this.send(m);
      } else if (msg.type === 'renegotiation_needed') {
        this.negotiate();
      }
      this.noteAgentVideo(msg);
      this.onMessage(msg);
    };
    control.onclose = () => { this.ready = false; this.onState('closed'); };
    pc.onicecandidate = (ev) => { if (ev.candidate) this.signal({ kind: 'ice', candidate: ev.candidate.toJSON() }); };
    pc.ontrack = (ev) => this.onTrack(ev);
    pc.ondatachannel = (ev) => { if (ev.channel.label.startsWith('file:')) this.onFileChannel(ev.channel); };
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    // Liveness: the browser checks every few seconds that the agent still answers (ICE consent
    // freshness); 'disconnected' comes seconds after the agent stops answering, long before
    // 'failed' or the data channel's close. A hung or killed agent shows as not responding.
    pc.oniceconnectionstatechange = () => {
      const alive = pc.iceConnectionState === 'connected' || pc.iceConnectionState === 'completed';
      if (alive === this.alive) return;
      this.alive = alive;
      this.onState(alive ? 'responding' : 'not_responding');
    };
    pc.onnegotiationneeded = () => this.negotiate();
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

  /** Keeps the agent's running video tracks (one share, one camera at most) from its messages. */
  noteAgentVideo(msg) {
    if (msg.type === 'share_started') this.agentVideo.share = msg.track;
    else if (msg.type === 'share_stopped') this.agentVideo.share = null;
    else if (msg.type === 'media_started' && msg.kind === 'camera') this.agentVideo.camera = msg.track;
    else if (msg.type === 'media_stopped' && msg.kind === 'camera') this.agentVideo.camera = null;
  }

  /**
   * One receiving video section per running agent video track (sections are reused). The CSR's
   * camera section receives too (av.js), so the agent may send on it.
   */
  offerVideoSections() {
    const receiving = this.pc.getTransceivers().filter((t) => t.currentDirection !== 'stopped' && t.receiver.track.kind === 'video'
      && (t.direction === 'recvonly' || t.direction === 'sendrecv'));
    const running = Object.values(this.agentVideo).filter(Boolean).length;
    for (let n = receiving.length; n < running; n++) this.pc.addTransceiver('video', { direction: 'recvonly' });
  }

  async onSignal(payload) {
    if (!this.pc) return;
    if (payload.kind === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: payload.sdp });
      this.negotiating = false;
      for (const c of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(c).catch(() => {});
      if (this.again) {
        this.again = false;
        this.negotiate();
      }
    } else if (payload.kind === 'ice') {
      if (!this.pc.remoteDescription) this.pendingCandidates.push(payload.candidate);
      else await this.pc.addIceCandidate(payload.candidate).catch(() => {});
    } else if (payload.kind === 'bye') {
      this.close(false);
      this.onState('closed');
    }
  }

  /** Sends a control message (queued until the agent said hello). */
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

  /** Sets the microphone track sent to the agent (null stops sending). */
  async setMicrophone(track) {
    await this.audio.sender.replaceTrack(track);
  }

  close(sayBye = true) {
    if (sayBye && this.control && this.control.readyState === 'open') {
      try { this.control.send(JSON.stringify({ type: 'bye' })); } catch { /* closing anyway */ }
    }
    if (this.pc) this.pc.close();
    this.pc = null;
    this.ready = false;
    this.alive = false;
  }

  /** The agent answered hello and still answers ICE checks: what it sends is live. */
  get live() {
    return this.ready && this.alive;
  }
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

/** SHA-256 of a Blob as lowercase hex. WebCrypto exists only in secure contexts (HTTPS or
 * localhost): a console served over plain HTTP hashes in JavaScript. */
export async function sha256Hex(blob) {
  if (blob.size <= WHOLE_HASH_BYTES && globalThis.crypto?.subtle) {
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  }
  const hash = new Sha256();
  for (let pos = 0; pos < blob.size; pos += HASH_SLICE_BYTES) hash.update(await blob.slice(pos, pos + HASH_SLICE_BYTES).arrayBuffer());
  return hash.hex();
}
