// S7: chat with everyone or chosen participants, with unread counts on the tab.
import { displayable } from './policy.js';
import { h, fill, fmtClock } from './dom.js';
import { showError, toast } from './api.js';
import { Snippets } from './snippets.js';

export class ChatPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.unread = 0;
    this.log = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite' });
    this.to = h('select', { id: 'chat-to', 'aria-label': 'Send to' });
    this.text = h('input', { id: 'chat-text', maxlength: 4000, autocomplete: 'off', placeholder: 'Message (type / for a canned one)' });
    this.snippets = new Snippets(this.text, ctx.account || {});
    this.element = h('div', { class: 'panel chat', id: 'panel-chat' },
      this.log,
      h('div', { class: 'snippet-anchor' }, this.snippets.list),
      h('form', { class: 'row chat-form', onsubmit: (ev) => { ev.preventDefault(); this.sendMessage(); } },
        h('label', { for: 'chat-to' }, 'Send to'), this.to, this.text,
        h('button', { type: 'submit', class: 'primary', id: 'chat-send' }, 'Send'), this.snippets.button));
    this.renderTo();
  }

  shown() {
    this.unread = 0;
    this.ctx.badge('chat', 0);
    this.text.focus();
  }

  onRoster() {
    this.renderTo();
  }

  renderTo() {
    const keep = this.to.value;
    const others = this.ctx.roster ? this.ctx.roster.participants.filter((p) => p.id !== this.ctx.me) : [];
    fill(this.to, h('option', { value: '' }, 'Everyone'), others.map((p) => h('option', { value: p.id }, `${p.name} (${p.role === 'csr' ? 'CSR' : 'customer'})`)));
    if ([...this.to.options].some((o) => o.value === keep)) this.to.value = keep;
  }

  sendMessage() {
    const text = this.text.value.trim();
    if (!text) return;
    const to = this.to.value ? [this.to.value] : [];
    const ref = this.ctx.send({ type: 'chat', to, text });
    this.text.value = '';
    // Refused (too fast, the record full, too long): the text comes back to be sent again.
    this.ctx.onRefusal(ref, (err) => {
      if (!this.text.value) this.text.value = text;
      showError(err);
    });
  }

  /** The chat so far, from signaling on every (re)connection: it replaces what is shown. */
  onHistory(lines, more = false) {
    const earlier = more ? h('li', { class: 'system', id: 'chat-earlier' },
      h('span', { class: 'text' }, 'Earlier messages are in the session record: ', h('a', { href: `#/history/${this.ctx.id}` }, 'open it in History'), '.')) : null;
    fill(this.log, earlier, lines.map((l) => this.line(l)));
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Who wrote a line and to whom, as the log and the recording's chat show them. */
  parties(msg) {
    const from = msg.from === this.ctx.me ? 'You' : this.ctx.name(msg.from);
    const to = msg.to.length ? msg.to.map((t) => this.ctx.name(t)).join(', ') : 'everyone';
    return { from, to };
  }

  /** A chat line as shown: the sender's role beside the name, and the recipients' roles. */
  line(msg) {
    const mine = msg.from === this.ctx.me;
    const from = mine ? 'You' : this.ctx.name(msg.from);
    const role = mine ? '' : this.ctx.role(msg.from);
    const to = msg.to.length ? msg.to.map((t) => this.ctx.who(t)).join(', ') : 'everyone';
    return h('li', { class: mine ? 'mine' : 'theirs' },
      h('span', { class: 'meta' }, `${fmtClock(msg.at_ms)} `, role ? h('span', { class: `tag role ${role === 'CSR' ? 'csr' : 'customer'}`, text: role }) : null,
        role ? ' ' : '', `${from} → ${to}`),
      h('span', { class: 'text', text: displayable(msg.text, true) }));
  }

  onChat(msg) {
    this.log.append(this.line(msg));
    this.log.scrollTop = this.log.scrollHeight;
    const { from, to } = this.parties(msg);
    if (this.ctx.recording) this.ctx.recording.onChatLine(from, to, msg.text);
    if (msg.from !== this.ctx.me && (this.ctx.active !== 'chat' || document.hidden)) {
      this.unread += 1;
      this.ctx.badge('chat', this.unread);
    }
  }

  /** A line of the session's own (someone left, recording started…), in the chat log. */
  system(text, at = Date.now()) {
    this.log.append(h('li', { class: 'system' }, h('span', { class: 'meta', text: fmtClock(at) }), h('span', { class: 'text', text })));
    this.log.scrollTop = this.log.scrollHeight;
  }

  onEvent(ev) {
    if (ev.event === 'left' && ev.id !== this.ctx.me) {
      const who = this.ctx.who(ev.id);
      const text = `${who.charAt(0).toUpperCase()}${who.slice(1)} left the session.`;
      this.system(text, ev.at_ms);
      toast(text);
    } else if (ev.event === 'activity_started' && ev.activity === 'recording') {
      const who = ev.by === this.ctx.me ? 'You' : this.ctx.name(ev.by);
      this.system(`${who} started recording the session; ${this.ctx.name(ev.customer)} is told.`, ev.at_ms);
    } else if (ev.event === 'activity_stopped' && ev.activity === 'recording') {
      this.system(`Recording stopped; ${this.ctx.name(ev.customer)} is told.`, ev.at_ms);
    }
  }
}
