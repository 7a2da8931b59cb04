// S11–S13: file transfer. Basic: offer files, the customer picks which to download. Advanced:
// after the customer's grant, browse the shared folder and move files either way, each
// transfer asked again. Greyed out with the reason while an application is shared (S12);
// each mode hidden when the site admin switched it off.
import { h, fill, fmtBytes, fmtDuration } from './dom.js';
import { inBrowser, NEEDS_AGENT } from './session.js';
import { describe, showError, toast } from './api.js';
import { sha256Hex, receiveFile } from './peer.js';
import { openSaveStream } from './save_stream.js';

/** Files from this size on are saved to disk as they arrive (a Blob this large cannot be
 * handed to a download: Chromium cancels it); smaller ones get a Save link once checked. */
export const STREAM_SAVE_BYTES = 256 * 1024 * 1024;
import { isDeceptiveFileName, visibleFileName } from './policy.js';

/** Budgets for what a customer's page offers (docs/security.md): the agent's default size limit. */
const MAX_FILE_BYTES = 4096 * 1024 * 1024;
const MAX_NAME_CHARS = 255;
const MAX_CUSTOMER_OFFERS = 20;
/** Bytes kept from a file channel that came before its transfer was known. */
const EARLY_BYTES = 1024 * 1024;
const S12 = 'File transfer is not available while an application is viewed or controlled. Stop application sharing first.';

export class FilesPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.transfers = new Map();
    this.channels = new Map();
    this.path = '';
    this.reason = h('p', { class: 'notice', id: 'files-disabled-reason', hidden: true });
    this.offerInput = h('input', { type: 'file', id: 'offer-files', multiple: true, onchange: () => this.offerChosen() });
    this.endOfferButton = h('button', { id: 'end-offer', hidden: true, onclick: () => this.endOffer() }, 'End the file offer');
    this.basic = h('section', { class: 'card', id: 'basic-transfer' },
      h('h3', { text: 'Offer files' }),
      h('p', { class: 'muted', text: 'The customer chooses which offered files to download. While files are offered, applications cannot be shared.' }),
      h('label', { for: 'offer-files' }, 'Files to offer'), this.offerInput,
      h('div', { class: 'row' }, this.endOfferButton));
    this.openButton = h('button', { class: 'primary', id: 'open-advanced', onclick: () => this.openAdvanced() }, 'Open file transfer with the customer');
    this.endButton = h('button', { id: 'end-advanced', hidden: true, onclick: () => this.endAdvanced() }, 'End file transfer');
    this.advState = h('p', { class: 'muted', id: 'advanced-state' });
    this.browser = h('div', { id: 'file-browser', hidden: true });
    this.advanced = h('section', { class: 'card', id: 'advanced-transfer' },
      h('h3', { text: "Customer's files" }),
      h('p', { class: 'muted', text: "Browse the folder the customer shares and move files either way; the customer allows each transfer." }),
      h('div', { class: 'row' }, this.openButton, this.endButton), this.advState, this.browser);
    this.advNote = h('p', { class: 'notice needs-agent', id: 'advanced-needs-agent', hidden: true, text: NEEDS_AGENT });
    this.advanced.insertBefore(this.advNote, this.advanced.children[2]);
    this.list = h('tbody', { id: 'transfers' });
    this.element = h('div', { class: 'panel', id: 'panel-files' }, this.reason, h('div', { class: 'columns' }, this.basic, this.advanced),
      h('h3', { text: 'Transfers' }),
      h('table', { class: 'grid transfers' },
        h('thead', {}, h('tr', {}, ['File', 'Direction', 'Size', 'Permission', 'Progress', 'Speed', 'Time left', 'State'].map((t) => h('th', { text: t })))),
        this.list));
  }

  onRoster(roster) {
    const f = roster.features;
    this.basic.hidden = !f.basic_file_transfer;
    this.advanced.hidden = !f.advanced_file_transfer;
    const c = this.ctx.customer();
    const app = this.ctx.applicationShared();
    let why = null;
    if (app) why = S12;
    else if (!c) why = 'File transfer becomes available once a customer has joined.';
    else if (!this.ctx.isHost()) why = 'Only the host CSR transfers files.';
    this.reason.textContent = why || '';
    this.reason.hidden = !why;
    this.element.classList.toggle('greyed', !!why);
    for (const el of this.element.querySelectorAll('section button, section input')) el.disabled = !!why;
    // A customer in the browser takes offered files and sends their own; their folder needs the agent.
    const browser = inBrowser(c);
    this.advNote.hidden = !browser;
    for (const el of this.advanced.querySelectorAll('button, input')) if (browser) el.disabled = true;
    // Ending an offer stays possible whatever else is greyed: it is what unblocks sharing.
    this.endOfferButton.hidden = !this.ctx.running('basic_file_transfer');
    this.endOfferButton.disabled = !this.ctx.isHost();
    // An offer answered before signaling's roster said it runs ends now.
    if (this.offeredHere && this.ctx.isHost()) this.stopOfferIfDone();
    const open = c && this.ctx.running('advanced_file_transfer', c.id);
    this.openButton.hidden = !!open;
    this.endButton.hidden = !open;
    this.browser.hidden = !open;
  }

  onEvent(ev) {
    if (ev.event === 'consent_revoked' && ev.capability === 'advanced_file_transfer') this.advState.textContent = 'The customer closed file transfer.';
    if (ev.event === 'activity_stopped' && ev.activity === 'advanced_file_transfer' && ev.reason === 'revoked') this.advState.textContent = 'The customer closed file transfer.';
  }

  // ---------- transfers table ----------

  track(t) {
    t.row = h('tr', { dataset: { transfer: t.id } });
    this.transfers.set(t.id, t);
    this.list.prepend(t.row);
    this.render(t);
    return t;
  }

  update(t, changes) {
    Object.assign(t, changes);
    this.render(t);
  }

  render(t) {
    const elapsed = t.began ? (performance.now() - t.began) / 1000 : 0;
    const moved = Math.max(0, (t.done || 0) - (t.offset || 0));
    const speed = elapsed > 0.2 && moved > 0 ? moved / elapsed : 0;
    const eta = speed > 0 && t.size > t.done ? ((t.size - t.done) / speed) * 1000 : null;
    const pct = t.size ? Math.round((100 * (t.done || 0)) / t.size) : 0;
    const bar = h('progress', { max: 100, value: pct, 'aria-label': `${pct} %` });
    fill(t.row,
      h('td', { class: 'fname', text: visibleFileName(t.name) }),
      h('td', { text: t.toCustomer ? 'to customer' : 'from customer' }),
      h('td', { text: fmtBytes(t.size) }),
      h('td', { class: 'permission', text: t.permission }),
      h('td', {}, bar, ` ${pct} %`),
      h('td', { text: t.state === 'moving' && speed ? `${fmtBytes(speed)}/s` : '' }),
      h('td', { text: t.state === 'moving' && eta !== null ? fmtDuration(eta) : '' }),
      h('td', { class: `state ${t.state}` }, t.stateText || t.state, t.download ? [' ', t.download] : null,
        t.basic && ['waiting', 'moving'].includes(t.state) ? [' ', h('button', { class: 'small withdraw', onclick: () => this.withdraw(t) }, 'Withdraw')] : null,
        t.fromCustomer && t.state === 'offered' ? [' ', h('button', { class: 'small primary accept', onclick: () => this.acceptOffer(t) }, 'Accept'),
          ' ', h('button', { class: 'small decline', onclick: () => this.declineOffer(t) }, 'Decline')] : null));
  }

  progress(t, done) {
    t.done = done;
    const now = performance.now();
    if (!t.lastPaint || now - t.lastPaint > 200 || done >= t.size) {
      t.lastPaint = now;
      this.render(t);
    }
  }

  // ---------- basic (S11) ----------

  async offerChosen() {
    const c = this.ctx.customer();
    const files = [...this.offerInput.files];
    this.offerInput.value = '';
    if (!c || !files.length) return;
    const link = this.ctx.link(c.id);
    if (!link) return showError({ code: 'participant_offline', message: "Not connected to the customer's agent yet. Try again in a moment." });
    this.offeredHere = true;
    if (!this.ctx.running('basic_file_transfer')) {
      const ref = this.ctx.activity(true, 'basic_file_transfer');
      this.ctx.onRefusal(ref, (e) => { if (e.code !== 'activity_active') showError(e); });
    }
    for (const file of files) {
      const t = this.track({ id: `t${Math.random().toString(36).slice(2, 10)}`, name: file.name, size: file.size, file, toCustomer: true, basic: true, customer: c.id, done: 0, permission: 'customer decides', state: 'preparing', stateText: 'checking…' });
      const sha256 = await sha256Hex(file);
      link.send({ type: 'file_offer', transfer: t.id, name: file.name, size: file.size, sha256 });
      this.update(t, { state: 'waiting', stateText: 'offered, waiting for the customer' });
    }
  }

  /** Basic transfers still offered or moving. */
  pendingOffers() {
    return [...this.transfers.values()].filter((t) => t.basic && ['preparing', 'waiting', 'moving'].includes(t.state));
  }

  /** The CSR takes an offer back: the agent forgets it; the customer can no longer download it. */
  withdraw(t) {
    const link = this.ctx.link(t.customer);
    if (link) link.send({ type: 'transfer_failed', transfer: t.id, code: 'transfer_interrupted', message: 'The CSR withdrew the offer.' });
    this.finish(t, false, 'withdrawn');
  }

  /** Ends the basic offer: what is still offered is withdrawn, then the activity stops. */
  endOffer() {
    for (const t of this.pendingOffers()) this.withdraw(t);
    this.stopOfferIfDone();
  }

  /** S12: once nothing offered is pending, the offer ends (application sharing may start). */
  stopOfferIfDone() {
    if (this.pendingOffers().length || !this.ctx.running('basic_file_transfer')) return;
    // A second stop before the roster caught up is refused as not running: not an error here.
    const ref = this.ctx.activity(false, 'basic_file_transfer');
    this.ctx.onRefusal(ref, (e) => { if (e.code !== 'activity_not_active') showError(e); });
  }

  // ---------- advanced (S11, S13) ----------

  async openAdvanced() {
    const c = this.ctx.customer();
    if (!c) return;
    this.advState.textContent = "Waiting for the customer's permission…";
    try {
      if (!(await this.ctx.askConsent(c.id, 'advanced_file_transfer'))) {
        this.advState.textContent = 'The customer said no.';
        return;
      }
    } catch (e) {
      this.advState.textContent = describe(e);
      return;
    }
    const ref = this.ctx.activity(true, 'advanced_file_transfer', c.id);
    this.ctx.onRefusal(ref, (e) => { if (e.code !== 'activity_active') this.advState.textContent = describe(e); });
    this.advState.textContent = '';
    this.browse('');
  }

  endAdvanced() {
    const c = this.ctx.customer();
    if (c) this.ctx.activity(false, 'advanced_file_transfer', c.id);
    this.advState.textContent = 'File transfer ended.';
  }

  /** Lists `path` of the shared folder; `again`: the same folder, keeping the old list until the new one comes. */
  browse(path, again = false) {
    const c = this.ctx.customer();
    const link = c && this.ctx.link(c.id);
    if (!link) return;
    this.path = path;
    this.listing = `l${Math.random().toString(36).slice(2, 8)}`;
    link.send({ type: 'list_dir', request: this.listing, path });
    if (!again) fill(this.browser, h('p', { class: 'muted', text: 'Listing…' }));
  }

  renderListing(msg) {
    const crumbs = [h('button', { class: 'link', onclick: () => this.browse('') }, 'Shared folder')];
    let acc = '';
    for (const part of msg.path.split('/').filter(Boolean)) {
      acc = acc ? `${acc}/${part}` : part;
      const p = acc;
      crumbs.push(' / ', h('button', { class: 'link', onclick: () => this.browse(p) }, part));
    }
    const join = (name) => (msg.path ? `${msg.path}/${name}` : name);
    const rows = msg.entries.map((e) => h('tr', { dataset: { name: e.name } },
      h('td', {}, e.kind === 'dir' ? h('button', { class: 'link', onclick: () => this.browse(join(e.name)) }, `${visibleFileName(e.name)}/`) : visibleFileName(e.name)),
      h('td', { text: e.kind === 'file' ? fmtBytes(e.size) : '' }),
      h('td', { text: e.modified ? new Date(e.modified * 1000).toLocaleString() : '' }),
      h('td', {}, e.kind === 'file' ? h('button', { class: 'small', onclick: () => this.pull(join(e.name), e) }, 'Copy to me') : null)));
    const pushInput = h('input', { type: 'file', id: 'push-file', onchange: () => { const f = pushInput.files[0]; pushInput.value = ''; if (f) this.push(f, msg.path); } });
    fill(this.browser,
      h('nav', { class: 'crumbs', 'aria-label': 'Folder' }, crumbs),
      h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ['Name', 'Size', 'Changed', ''].map((t) => h('th', { text: t })))), h('tbody', { id: 'listing' }, rows)),
      msg.truncated ? h('p', { class: 'muted', text: 'Only the first entries are shown.' }) : null,
      h('label', { for: 'push-file' }, 'Send a file into this folder'), pushInput);
  }

  async push(file, dir) {
    const c = this.ctx.customer();
    const link = c && this.ctx.link(c.id);
    if (!link) return;
    const t = this.track({ id: `p${Math.random().toString(36).slice(2, 10)}`, name: file.name, size: file.size, file, dir, toCustomer: true, customer: c.id, done: 0, permission: 'asking', state: 'preparing', stateText: 'checking…' });
    const sha256 = await sha256Hex(file);
    const { request, answer } = this.ctx.askItemConsent(c.id);
    t.consent = request;
    this.update(t, { state: 'waiting', stateText: "waiting for the customer's permission" });
    link.send({ type: 'push_file', transfer: t.id, consent: request, dir, name: file.name, size: file.size, sha256 });
    this.watchConsent(t, answer);
  }

  async pull(path, entry) {
    const c = this.ctx.customer();
    const link = c && this.ctx.link(c.id);
    if (!link) return;
    const t = this.track({ id: `g${Math.random().toString(36).slice(2, 10)}`, name: entry.name, size: entry.size, toCustomer: false, customer: c.id, done: 0, permission: 'asking', state: 'waiting', stateText: "waiting for the customer's permission", parts: [] });
    const { request, answer } = this.ctx.askItemConsent(c.id);
    t.consent = request;
    link.send({ type: 'pull_file', transfer: t.id, consent: request, path });
    this.watchConsent(t, answer);
  }

  watchConsent(t, answer) {
    answer.then((ok) => {
      if (ok) this.update(t, { permission: 'granted' });
      else this.update(t, { permission: 'denied', state: 'failed', stateText: 'the customer said no' });
    }, (e) => this.update(t, { permission: 'refused', state: 'failed', stateText: describe(e) }));
  }

  // ---------- messages from the agent ----------

  onPeer(customer, msg) {
    const t = msg.transfer && this.transfers.get(msg.transfer);
    switch (msg.type) {
      case 'dir_listing':
        if (msg.request === this.listing) this.renderListing(msg);
        return;
      case 'error':
        if (/consent|path|file/.test(msg.code) && !this.browser.hidden) this.advState.textContent = describe(msg);
        return;
      case 'file_offer':
        this.customerOffer(customer, msg);
        return;
      case 'file_accept':
        if (t && t.toCustomer) this.sendBytes(t, msg.offset, 'accepted');
        return;
      case 'file_decline':
        if (t) this.update(t, { permission: 'declined', state: 'failed', stateText: 'the customer did not download it' });
        if (t && t.basic) this.stopOfferIfDone();
        return;
      case 'transfer_start':
        if (t && t.toCustomer) this.sendBytes(t, msg.offset, 'granted');
        return;
      case 'transfer_header':
        if (t && !t.toCustomer) this.receiveFrom(t, msg);
        return;
      case 'transfer_done':
        if (t) this.finish(t, true, t.basic ? `downloaded by the customer as ${msg.saved_as}` : `saved as ${msg.saved_as}`);
        // A file pushed into the folder shown is listed at once.
        if (t && t.toCustomer && !t.basic && !this.browser.hidden && t.dir === this.path) this.browse(this.path, true);
        return;
      case 'transfer_failed':
        if (t && t.customer === customer) this.finish(t, false, describe(msg));
        return;
      default:
    }
  }

  // ---------- a customer's own files (the customer page, docs/protocol.md) ----------

  /** A file the customer offers from the page: checked against the budgets, then listed to accept. */
  customerOffer(customer, msg) {
    const link = this.ctx.link(customer);
    const refuse = (code, message) => { if (link) link.send({ type: 'transfer_failed', transfer: String(msg.transfer).slice(0, 64), code, message }); };
    const waiting = [...this.transfers.values()].filter((x) => x.fromCustomer && x.customer === customer && ['offered', 'moving'].includes(x.state));
    if (typeof msg.transfer !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(msg.transfer) || this.transfers.has(msg.transfer)
      || typeof msg.name !== 'string' || !msg.name.length || msg.name.length > MAX_NAME_CHARS
      || !Number.isSafeInteger(msg.size) || msg.size < 0 || typeof msg.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(msg.sha256)) {
      return refuse('invalid_message', 'The file offer is not understood.');
    }
    if (msg.size > MAX_FILE_BYTES) return refuse('file_too_large', `Files up to ${fmtBytes(MAX_FILE_BYTES)} can be sent.`);
    if (waiting.length >= MAX_CUSTOMER_OFFERS) return refuse('rate_limited', `At most ${MAX_CUSTOMER_OFFERS} files can wait for support at once.`);
    this.track({ id: msg.transfer, name: msg.name, size: msg.size, sha256: msg.sha256, toCustomer: false, fromCustomer: true, customer, done: 0, parts: [], permission: 'customer sends', state: 'offered', stateText: `offered by ${this.ctx.name(customer)}` });
    toast(`${this.ctx.who(customer)} offers a file: ${visibleFileName(msg.name)} (Files).`);
  }

  acceptOffer(t) {
    const link = this.ctx.link(t.customer);
    if (!link) return this.finish(t, false, 'not connected');
    this.update(t, { state: 'moving', stateText: 'receiving', offset: 0, done: 0, began: performance.now() });
    const early = this.channels.get(t.id);
    if (early) this.attach(t, early);
    link.send({ type: 'file_accept', transfer: t.id, offset: 0 });
  }

  declineOffer(t) {
    const link = this.ctx.link(t.customer);
    if (link) link.send({ type: 'file_decline', transfer: t.id });
    this.finish(t, false, 'declined');
  }

  async sendBytes(t, offset, permission) {
    const link = this.ctx.link(t.customer);
    if (!link) return this.finish(t, false, 'not connected');
    if (!t.basic) this.ctx.activity(true, 'file_transfer_item', t.customer);
    this.update(t, { permission, state: 'moving', stateText: 'sending', offset, done: offset, began: performance.now() });
    try {
      t.channel = await link.sendFile(t.id, t.file, offset, (n) => this.progress(t, n), () => t.state !== 'moving');
      if (t.state === 'moving') this.update(t, { stateText: 'checking on the other side…' });
    } catch (e) {
      this.finish(t, false, describe(e));
    }
  }

  receiveFrom(t, header) {
    Object.assign(t, { name: header.name, size: header.size, sha256: header.sha256 });
    const link = this.ctx.link(t.customer);
    if (!link) return;
    // A large file goes to disk as it arrives; a deceptive name is never saved (checked at the end).
    if (t.size >= STREAM_SAVE_BYTES && !isDeceptiveFileName(t.name)) t.saving = openSaveStream(t.name, t.size);
    this.ctx.activity(true, 'file_transfer_item', t.customer);
    this.update(t, { permission: 'granted', state: 'moving', stateText: 'receiving', offset: 0, done: 0, began: performance.now() });
    const early = this.channels.get(t.id);
    if (early) this.attach(t, early);
    link.send({ type: 'transfer_start', transfer: t.id, offset: 0 });
  }

  /** A `file:<id>` channel the agent opened for a pull. */
  onFileChannel(customer, ch) {
    const id = ch.label.slice('file:'.length);
    ch.binaryType = 'arraybuffer';
    const t = this.transfers.get(id);
    if (t && t.customer === customer && !t.toCustomer && (!t.fromCustomer || t.state === 'moving')) this.attach(t, ch);
    else {
      // Keep what arrives until the header is handled; a channel nothing was asked for (more
      // than one chunk before its transfer is known) is closed.
      const buffered = [];
      let bytes = 0;
      ch.onmessage = (ev) => {
        bytes += ev.data.byteLength || 0;
        if (bytes > EARLY_BYTES) { ch.close(); this.channels.delete(id); return; }
        buffered.push(ev.data);
      };
      ch.buffered = buffered;
      this.channels.set(id, ch);
    }
  }

  async attach(t, ch) {
    t.channel = ch;
    let buffered = ch.buffered || [];
    if (t.saving) {
      // What arrives while the save stream opens is kept, then handed to it in order.
      const early = [...buffered];
      ch.onmessage = (ev) => early.push(ev.data);
      t.sink = await t.saving;
      buffered = early;
    }
    receiveFile(ch, t.size, {
      buffered,
      sink: t.sink,
      progress: (n) => this.progress(t, n),
      cut: () => {
        if (t.sink) t.sink.abort('the transfer was cut off');
        if (t.state === 'moving') this.finish(t, false, 'the transfer was cut off');
      },
      done: (got) => this.verify(t, got),
    });
  }

  verify(t, { blob, sha256, over }) {
    if (t.state !== 'moving') return;
    if (t.sink) {
      // Already on disk as it arrived: the browser keeps it only if it is whole.
      if (over || sha256 !== t.sha256) {
        t.sink.abort('SHA-256 differs');
        this.finish(t, false, 'the file arrived damaged (SHA-256 differs); the browser discarded it; copy it again');
      } else if (t.sink.cancelled) {
        this.finish(t, false, 'the download was cancelled in the browser');
      } else {
        t.sink.close();
        this.finish(t, true, 'saved to your downloads as it arrived, SHA-256 checked');
      }
      this.tellSender(t, !over && sha256 === t.sha256, 'checksum_mismatch', 'The file arrived damaged (SHA-256 differs).');
      return;
    }
    if (over || sha256 !== t.sha256) {
      this.finish(t, false, 'the file arrived damaged (SHA-256 differs); copy it again');
      this.tellSender(t, false, 'checksum_mismatch', 'The file arrived damaged (SHA-256 differs).');
      return;
    }
    if (isDeceptiveFileName(t.name)) {
      this.finish(t, false, `the name ${visibleFileName(t.name)} hides what the file is; it is not offered for saving`);
      this.tellSender(t, false, 'path_not_allowed', 'The name hides what the file is; it was not kept.');
      return;
    }
    const a = h('a', { href: URL.createObjectURL(blob), download: t.name, class: 'save-link', text: `Save ${t.name}` });
    t.download = a;
    this.finish(t, true, 'received, SHA-256 checked');
    this.tellSender(t, true);
  }

  /** A customer's own offer (from the page) hears how it ended, as the agent says it for the CSR's. */
  tellSender(t, ok, code, message) {
    if (!t.fromCustomer) return;
    const link = this.ctx.link(t.customer);
    if (!link) return;
    link.send(ok ? { type: 'transfer_done', transfer: t.id, saved_as: t.name } : { type: 'transfer_failed', transfer: t.id, code, message });
  }

  finish(t, ok, text) {
    if (t.state === 'done' || (t.state === 'failed' && !ok)) return;
    if (!t.basic && !t.fromCustomer && t.began) this.ctx.activity(false, 'file_transfer_item', t.customer);
    if (t.fromCustomer && t.channel && t.channel.readyState === 'open' && !ok) t.channel.close();
    if (t.channel && t.channel.readyState === 'open' && t.toCustomer) t.channel.close();
    this.update(t, { state: ok ? 'done' : 'failed', stateText: text, done: ok ? t.size : t.done });
    if (t.basic) this.stopOfferIfDone();
  }
}
