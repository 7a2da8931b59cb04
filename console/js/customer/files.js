// Files in the browser (S11 and its mirror): files a CSR offers are listed with name and size;
// Save downloads one (its SHA-256 checked before the browser saves it) with a progress bar.
// The customer can pick a file and send it to the CSR in charge, who accepts it in the
// console (`file_offer` from the page, `file_accept` from the console, docs/protocol.md).
// File names are untrusted: shown only as text.
import { h, fill, fmtBytes } from '../dom.js';
import { receiveFile, sha256Hex } from '../peer.js';
import { visibleFileName, isDeceptiveFileName } from '../policy.js';

/** Budgets (docs/security.md): the agent's size limit, names, offers listed at once. */
const MAX_FILE_BYTES = 4096 * 1024 * 1024;
const MAX_NAME_CHARS = 255;
const MAX_OFFERS = 100;

export class FilesFeature {
  constructor(ctx) {
    this.ctx = ctx;
    this.items = new Map(); // transfer id -> item
    this.list = h('ul', { class: 'files', id: 'files' });
    this.picker = h('input', { type: 'file', id: 'send-file', onchange: () => this.picked() });
    this.element = h('section', { id: 'files-box' }, h('h2', { text: 'Files' }), this.list,
      h('label', { for: 'send-file' }, 'Send a file to support'), this.picker);
    this.render();
  }

  onPeer(csr, link, msg) {
    const t = typeof msg.transfer === 'string' ? this.items.get(msg.transfer) : null;
    const mine = t && t.csr === csr;
    switch (msg.type) {
      case 'file_offer':
        return this.offered(csr, link, msg);
      case 'file_accept':
        if (mine && t.outgoing && t.state === 'offered') this.sendBytes(t, link, Number.isSafeInteger(msg.offset) ? msg.offset : 0);
        return;
      case 'file_decline':
        if (mine && t.outgoing) this.update(t, 'failed', `${this.ctx.name(csr)} declined it.`);
        return;
      case 'transfer_done':
        if (mine && t.outgoing) this.update(t, 'done', `${this.ctx.name(csr)} received it (SHA-256 checked).`);
        return;
      case 'transfer_failed':
        if (mine) this.update(t, 'failed', t.outgoing ? `Not sent: ${msg.message || msg.code}` : 'Support withdrew the offer.');
        return;
      default:
    }
  }

  offered(csr, link, msg) {
    const fail = (code, message) => link.send({ type: 'transfer_failed', transfer: String(msg.transfer).slice(0, 64), code, message });
    if (typeof msg.transfer !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(msg.transfer) || this.items.has(msg.transfer)
      || typeof msg.name !== 'string' || !msg.name || msg.name.length > MAX_NAME_CHARS || !Number.isSafeInteger(msg.size) || msg.size < 0
      || typeof msg.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(msg.sha256)) return fail('invalid_message', 'The file offer is not understood.');
    if (msg.size > MAX_FILE_BYTES) return fail('file_too_large', `The browser takes files up to ${fmtBytes(MAX_FILE_BYTES)}.`);
    if ([...this.items.values()].filter((x) => !x.outgoing).length >= MAX_OFFERS) return fail('rate_limited', 'Too many files are offered at once.');
    this.add({ id: msg.transfer, csr, name: msg.name, size: msg.size, sha256: msg.sha256, outgoing: false, state: 'offered', text: `offered by ${this.ctx.name(csr)}` });
    this.ctx.line(`${this.ctx.name(csr)} offers you a file: ${visibleFileName(msg.name)} (${fmtBytes(msg.size)}).`);
  }

  save(t) {
    const link = this.ctx.links.ready(t.csr);
    if (!link) return this.update(t, 'failed', 'Support is not connected.');
    this.update(t, 'moving', 'downloading…');
    link.send({ type: 'file_accept', transfer: t.id, offset: 0 });
  }

  decline(t) {
    const link = this.ctx.links.ready(t.csr);
    if (link) link.send({ type: 'file_decline', transfer: t.id });
    this.update(t, 'failed', 'You did not download it.');
  }

  /** The CSR opened `file:<id>` for a file this page asked for; anything else is closed. */
  onFileChannel(csr, ch) {
    const t = this.items.get(ch.label.slice('file:'.length));
    if (!t || t.csr !== csr || t.outgoing || t.state !== 'moving') { ch.close(); return; }
    receiveFile(ch, t.size, {
      progress: (n) => this.progress(t, n),
      cut: () => { if (t.state === 'moving') this.update(t, 'failed', 'The transfer was cut off.'); },
      done: (got) => this.received(t, got),
    });
  }

  received(t, { blob, sha256, over }) {
    const link = this.ctx.links.get(t.csr);
    const tell = (msg) => link && link.send({ transfer: t.id, ...msg });
    if (over || sha256 !== t.sha256) {
      tell({ type: 'transfer_failed', code: 'checksum_mismatch', message: 'The file arrived damaged (SHA-256 differs).' });
      return this.update(t, 'failed', 'The file arrived damaged; ask support to offer it again.');
    }
    if (isDeceptiveFileName(t.name)) {
      tell({ type: 'transfer_failed', code: 'path_not_allowed', message: 'The name hides what the file is; it was not kept.' });
      return this.update(t, 'failed', 'Its name hides what the file is, so it is not saved.');
    }
    t.url = URL.createObjectURL(blob);
    tell({ type: 'transfer_done', saved_as: t.name });
    this.update(t, 'done', 'checked (SHA-256)');
    // The customer asked for it with Save: the browser saves it now (and the link stays).
    t.row.querySelector('a.save-link').click();
  }

  async picked() {
    const file = this.picker.files[0];
    this.picker.value = '';
    if (!file) return;
    const csr = this.ctx.roster && this.ctx.roster.host;
    const link = csr && this.ctx.links.ready(csr);
    if (!link) return this.ctx.line('Support is not connected yet; try again in a moment.');
    if (file.size > MAX_FILE_BYTES) return this.ctx.line(`${visibleFileName(file.name)} is too large: files up to ${fmtBytes(MAX_FILE_BYTES)} can be sent.`);
    const t = this.add({ id: `u${Math.random().toString(36).slice(2, 12)}`, csr, name: file.name.slice(0, MAX_NAME_CHARS), size: file.size, file, outgoing: true, state: 'preparing', text: 'checking…' });
    const sha256 = await sha256Hex(file);
    link.send({ type: 'file_offer', transfer: t.id, name: t.name, size: file.size, sha256 });
    this.update(t, 'offered', `waiting for ${this.ctx.name(csr)} to accept it`);
  }

  async sendBytes(t, link, offset) {
    this.update(t, 'moving', 'sending…');
    try {
      await link.sendFile(t.id, t.file, offset, (n) => this.progress(t, n), () => t.state !== 'moving');
      if (t.state === 'moving') this.update(t, 'moving', 'checking on the other side…');
    } catch (e) {
      this.update(t, 'failed', e.message || 'The transfer was cut off.');
    }
  }

  add(t) {
    t.done = 0;
    t.bar = h('progress', { max: 100, value: 0 });
    t.row = h('li', { class: 'file', dataset: { transfer: t.id } });
    this.items.set(t.id, t);
    this.list.prepend(t.row);
    this.render(t);
    return t;
  }

  update(t, state, text) {
    t.state = state;
    t.text = text;
    this.render(t);
  }

  progress(t, n) {
    t.done = n;
    t.bar.value = t.size ? Math.round((100 * n) / t.size) : 100;
  }

  render(t) {
    if (!t) return;
    if (t.state === 'done') t.bar.value = 100;
    fill(t.row,
      h('span', { class: 'fname', text: visibleFileName(t.name) }), ' ',
      h('span', { class: 'muted', text: `${fmtBytes(t.size)} ${t.outgoing ? 'to' : 'from'} ${this.ctx.name(t.csr)}` }), ' ',
      t.bar, ' ', h('span', { class: `state ${t.state}`, text: t.text }),
      t.state === 'offered' && !t.outgoing ? [' ', h('button', { class: 'small primary save', onclick: () => this.save(t) }, 'Save'),
        ' ', h('button', { class: 'small', onclick: () => this.decline(t) }, 'Decline')] : null,
      t.url ? [' ', h('a', { class: 'save-link', href: t.url, download: t.name, text: `Save ${visibleFileName(t.name)} again` })] : null);
  }

  onLinkState(csr, state) {
    if (state !== 'closed') return;
    for (const t of this.items.values()) if (t.csr === csr && ['offered', 'moving', 'preparing'].includes(t.state)) this.update(t, 'failed', 'The connection to support ended.');
  }
}
