// Shared parts of the browser benchmark scripts (benches/browser_screen.rs starts them): wall
// clock readings comparable with the Rust side's SystemTime, commands read from stdin, and the
// page-side probes (functions passed to page.evaluate, so they run in the page).
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds (Unix epoch) with sub-millisecond resolution. */
export function wall() {
  return performance.timeOrigin + performance.now();
}

/** Prints one result line for the Rust side: `TAG {json}`. */
export function emit(tag, value) {
  console.log(`${tag} ${JSON.stringify(value)}`);
}

/** Lines typed on stdin by the Rust side, one at a time. */
export class Commands {
  constructor() {
    this.lines = [];
    this.waiters = [];
    readline.createInterface({ input: process.stdin }).on('line', (l) => {
      this.lines.push(l.trim());
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async next() {
    while (!this.lines.length) await new Promise((r) => this.waiters.push(r));
    return this.lines.shift();
  }
}

/** Init script: keeps every RTCPeerConnection the console makes in `window.__pcs` for getStats. */
export function keepPeerConnections() {
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
}

/** In the page: records when the customer appears in the roster and when the tag says connected. */
export function watchRoster() {
  const seen = {};
  window.__roster = seen;
  const look = () => {
    const at = performance.timeOrigin + performance.now();
    const li = document.querySelector('#participants li[data-role=customer]');
    if (li && !seen.present) seen.present = at;
    if (li && !seen.connected && [...li.querySelectorAll('.tag')].some((t) => t.textContent === 'connected')) seen.connected = at;
  };
  new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  look();
}

/**
 * In the page: arms a one-shot probe for the first frame the share video presents (rVFC),
 * kept in `window.__first`. Registered now and again whenever a new stream is attached.
 */
export function armFirstFrame() {
  const v = document.getElementById('share-video');
  window.__first = null;
  const armedAt = performance.timeOrigin + performance.now();
  const onFrame = (now, m) => {
    if (window.__first) return;
    const o = performance.timeOrigin;
    window.__first = {
      callback: o + now,
      presented: o + m.presentationTime,
      expected: o + m.expectedDisplayTime,
      received: m.receiveTime ? o + m.receiveTime : null,
      width: m.width,
      height: m.height,
      armedAt,
    };
  };
  v.requestVideoFrameCallback(onFrame);
  v.addEventListener('loadstart', () => v.requestVideoFrameCallback(onFrame), { once: true });
}

/**
 * In the page: from now on every frame `video` presents (rVFC) is recorded in `window.__frames`
 * as [callback, presented, expected, received, presentedFrames, colour], where colour is the
 * index in `palette` nearest to the mean of a `sample`-pixel square centred at (x, y) of the
 * picture (in screen pixels of a `screenWidth`-wide screen), or -1 when none is near.
 */
export function probeFrames({ video, x, y, sample, palette, screenWidth }) {
  const v = typeof video === 'string' ? document.getElementById(video) : video;
  const c = document.createElement('canvas');
  c.width = sample;
  c.height = sample;
  const g = c.getContext('2d', { willReadFrequently: true });
  const frames = [];
  const colour = () => {
    const k = v.videoWidth / screenWidth;
    g.drawImage(v, Math.round(x * k - sample / 2), Math.round(y * k - sample / 2), sample, sample, 0, 0, sample, sample);
    const d = g.getImageData(0, 0, sample, sample).data;
    const mean = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) for (let j = 0; j < 3; j++) mean[j] += d[i + j];
    const n = d.length / 4;
    let best = -1;
    let bestDistance = 120;
    palette.forEach((p, i) => {
      const dist = Math.hypot(mean[0] / n - ((p >> 16) & 255), mean[1] / n - ((p >> 8) & 255), mean[2] / n - (p & 255));
      if (dist < bestDistance) { best = i; bestDistance = dist; }
    });
    return best;
  };
  const onFrame = (now, m) => {
    if (v.__probeStopped) return;
    const o = performance.timeOrigin;
    frames.push([o + now, o + m.presentationTime, o + m.expectedDisplayTime, m.receiveTime ? o + m.receiveTime : null, m.presentedFrames, v.videoWidth ? colour() : -1]);
    v.requestVideoFrameCallback(onFrame);
  };
  v.requestVideoFrameCallback(onFrame);
  v.__frames = frames;
  return frames.length;
}

/** In the page: the inbound video RTP statistics of the connection that decoded the most frames. */
export async function inboundVideo(pcs) {
  let best = null;
  for (const pc of pcs || window.__pcs) {
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && (!best || (s.framesDecoded || 0) > (best.framesDecoded || 0))) best = s;
    });
  }
  return best;
}

/**
 * Init script: records in `window.__events` ([what, wall ms]) the console's signaling WebSocket
 * messages, its control-channel messages each way, descriptions applied and tracks received,
 * so the time from a grant to the first frame can be split into its steps.
 */
export function recordSteps() {
  const events = [];
  window.__events = events;
  const at = () => performance.timeOrigin + performance.now();
  const kind = (data) => {
    if (typeof data !== 'string') return 'binary';
    try {
      const m = JSON.parse(data);
      return [m.type, m.kind, m.payload && m.payload.kind, m.event].filter(Boolean).join('/');
    } catch { return 'text'; }
  };
  const Ws = window.WebSocket;
  window.WebSocket = class extends Ws {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => events.push([`ws in ${kind(e.data)}`, at()]));
    }
    send(data) { events.push([`ws out ${kind(data)}`, at()]); return super.send(data); }
  };
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) { events.push([`dc out ${kind(data)}`, at()]); return send.call(this, data); };
  const Pc = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) {
      super(...args);
      this.addEventListener('track', () => events.push(['track', at()]));
    }
    createDataChannel(...args) {
      const ch = super.createDataChannel(...args);
      ch.addEventListener('message', (e) => events.push([`dc in ${kind(e.data)}`, at()]));
      return ch;
    }
    async setLocalDescription(d) { events.push([`local ${d ? d.type : 'auto'}`, at()]); return super.setLocalDescription(d); }
    async setRemoteDescription(d) { const r = await super.setRemoteDescription(d); events.push([`remote ${d.type} applied`, at()]); return r; }
  };
}

/** In a blank page: `count` data-channel round trips (ms) between two peers made with `config`. */
export async function dataChannelRoundTrips({ config, count }) {
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const ch = a.createDataChannel('ping');
  b.ondatachannel = (e) => { e.channel.onmessage = (m) => e.channel.send(m.data); };
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  await new Promise((r) => { ch.onopen = r; });
  const rtts = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise((r) => { ch.onmessage = r; ch.send(`ping ${i}`); });
    rtts.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  a.close();
  b.close();
  return rtts;
}
