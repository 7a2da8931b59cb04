// S7: chat with everyone or chosen participants, with unread counts on the tab.
import { displayable } from './policy.js';
import { h, fill, fmtClock } from './dom.js';

export class ChatPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.unread = 0;
    this.log = h('ol', { class: 'chat-log', id: 'chat-log', 'aria-live': 'polite' });
    this.to = h('select', { id: 'chat-to', 'aria-label': 'Send to' });
    this.text = h('input', { id: 'chat-text', maxlength: 4000, autocomplete: 'off', placeholder: 'Message' });
    this.element = h('div', { class: 'panel chat', id: 'panel-chat' },
      this.log,
      h('form', { class: 'row chat-form', onsubmit: (ev) => { ev.preventDefault(); this.sendMessage(); } },
        h('label', { for: 'chat-to' }, 'Send to'), this.to, this.text,
        h('button', { type: 'submit', class: 'primary', id: 'chat-send' }, 'Send')));
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
    this.ctx.send({ type: 'chat', to, text });
    this.text.value = '';
  }

  /**
   * The chat so far, from the session record (a CSR invited later, S17): what was said to
   * everyone, to this CSR or by them. `participants` name those who left since.
   */
  restore(record, participants) {
    const names = new Map(participants.map((p) => [p.id, p.name]));
    const name = (id) => (this.ctx.participant(id) ? this.ctx.name(id) : displayable(names.get(id) || id));
    for (const e of record) {
      if (e.kind !== 'chat' || !e.detail || typeof e.detail.text !== 'string') continue;
      const to = Array.isArray(e.detail.to) ? e.detail.to : [];
      if (to.length && !to.includes(this.ctx.me) && e.actor !== this.ctx.me) continue;
      this.append({ from: e.actor, to, text: e.detail.text, at_ms: e.at_ms }, name);
    }
  }

  onChat(msg) {
    this.append(msg, (id) => this.ctx.name(id));
    if (msg.from !== this.ctx.me && (this.ctx.active !== 'chat' || document.hidden)) {
      this.unread += 1;
      this.ctx.badge('chat', this.unread);
    }
  }

  append(msg, name) {
    const from = msg.from === this.ctx.me ? 'You' : name(msg.from);
    const to = msg.to.length ? ' → ' + msg.to.map((t) => name(t)).join(', ') : ' → everyone';
    this.log.append(h('li', { class: msg.from === this.ctx.me ? 'mine' : 'theirs' },
      h('span', { class: 'meta', text: `${fmtClock(msg.at_ms)} ${from}${to}` }),
      h('span', { class: 'text', text: displayable(msg.text, true) })));
    this.log.scrollTop = this.log.scrollHeight;
  }
}
