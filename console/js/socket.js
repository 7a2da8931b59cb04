// The signaling WebSocket of a console or a customer page (docs/protocol.md): hello at each
// connection, JSON messages, a ping every 20 s, reconnection with growing waits (up to 10 s)
// unless the close reason says reconnecting cannot help. Shared by both pages.
const PING_MS = 20000;

export class SignalingSocket {
  /**
   * @param {object} o
   * @param {() => object} o.hello          the hello message for each connection
   * @param {(msg: object) => void} o.onMessage
   * @param {string[]} o.final              close reasons after which reconnecting cannot help
   * @param {(reason: string) => void} o.onFinal
   * @param {(opened: boolean) => void} o.onDown  the connection closed; a new one follows
   * @param {() => boolean} [o.stopped]     the owner is done (left): no reconnection
   * @param {string} [o.refPrefix]
   */
  constructor(o) {
    Object.assign(this, { refPrefix: 'm', stopped: () => false }, o);
    this.ws = null;
    this.retry = 0;
    this.seq = 0;
    this.closed = false;
  }

  connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      ws.send(JSON.stringify(this.hello()));
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg && msg.type === 'welcome') this.welcomed();
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      clearInterval(this.pinger);
      if (this.closed || this.ws !== ws || this.stopped()) return;
      if (this.final.includes(ev.reason)) {
        this.closed = true;
        this.onFinal(ev.reason);
        return;
      }
      this.onDown(opened);
      const wait = Math.min(10000, 500 * 2 ** this.retry++);
      setTimeout(() => { if (!this.closed && !this.stopped()) this.connect(); }, wait);
    };
  }

  welcomed() {
    this.retry = 0;
    clearInterval(this.pinger);
    this.pinger = setInterval(() => this.open && this.ws.send('{"type":"ping"}'), PING_MS);
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends `msg` with a `ref` (errors about it echo the ref); null when not connected. */
  send(msg) {
    const ref = msg.ref || `${this.refPrefix}${++this.seq}`;
    if (!this.open) return null;
    this.ws.send(JSON.stringify({ ...msg, ref }));
    return ref;
  }

  close() {
    this.closed = true;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close();
  }
}
