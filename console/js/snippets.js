// Canned messages in the chat box (issue 16): typing "/" and a key offers the CSR's own and the
// site's shared snippets; Enter or Tab puts the chosen one in the box, to read over and send.
// "Canned messages" manages them (own ones; a team's for its leads; shared ones for site admins).
import { api, showError } from './api.js';
import { h, fill, dialog } from './dom.js';

const MAX_SHOWN = 8;
const RELOAD_MS = 2_000;

export class Snippets {
  /**
   * @param {HTMLInputElement} input the chat box
   * @param {{is_admin: boolean}} account
   */
  constructor(input, account) {
    this.input = input;
    this.account = account;
    this.all = [];
    this.matches = [];
    this.chosen = 0;
    this.list = h('ul', { class: 'snippet-list', id: 'snippet-list', role: 'listbox', 'aria-label': 'Canned messages', hidden: true });
    input.setAttribute('aria-controls', 'snippet-list');
    input.setAttribute('aria-autocomplete', 'list');
    input.addEventListener('input', () => this.update());
    input.addEventListener('keydown', (ev) => this.onKey(ev));
    // Focus back in the box shows the list again for the "/key" it holds; leaving the box closes
    // it (a little later, so a click on a choice lands first), unless the box has focus again.
    input.addEventListener('focus', () => this.update());
    input.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== input) this.close(); }, 150));
    this.button = h('button', { type: 'button', class: 'small', id: 'manage-snippets', onclick: () => this.manage() }, 'Canned messages');
    this.load();
  }

  async load() {
    this.loadedAt = Date.now();
    try {
      this.all = await api('GET', '/api/snippets');
    } catch (e) {
      this.all = [];
    }
  }

  /** The typed "/key" the box holds, if it holds one. */
  typedKey() {
    const m = /^\/([a-z0-9_-]*)$/i.exec(this.input.value.trim());
    return m ? m[1].toLowerCase() : null;
  }

  update() {
    const key = this.typedKey();
    if (key === null) return this.close();
    // A "/" starts a choice: the list is read again (a lead may have added the team's since),
    // at most every 2 s; what is known shows meanwhile.
    if (key === '' && Date.now() - (this.loadedAt || 0) > RELOAD_MS) this.load().then(() => { if (this.typedKey() !== null) this.update(); });
    const starts = this.all.filter((s) => s.key.startsWith(key));
    const contains = key ? this.all.filter((s) => !s.key.startsWith(key) && s.key.includes(key)) : [];
    this.matches = [...starts, ...contains].slice(0, MAX_SHOWN);
    this.chosen = 0;
    this.render();
  }

  render() {
    if (!this.matches.length) {
      fill(this.list, h('li', { class: 'muted', text: this.all.length ? 'No canned message with that key.' : 'No canned messages yet: add them with “Canned messages”.' }));
      this.list.hidden = false;
      this.input.removeAttribute('aria-activedescendant');
      return;
    }
    fill(this.list, this.matches.map((s, i) => h('li', {
      id: `snippet-${s.id}`, role: 'option', 'aria-selected': String(i === this.chosen), class: i === this.chosen ? 'chosen' : '',
      onmousedown: (ev) => { ev.preventDefault(); this.chosen = i; this.take(); },
    }, h('strong', { text: `/${s.key}` }), s.shared ? h('span', { class: 'tag', text: 'shared' }) : null, s.team ? h('span', { class: 'tag', text: s.team }) : null, ' ', h('span', { class: 'text', text: s.text }))));
    this.list.hidden = false;
    this.input.setAttribute('aria-activedescendant', `snippet-${this.matches[this.chosen].id}`);
  }

  onKey(ev) {
    if (this.list.hidden) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (!this.matches.length) return;
      this.chosen = (this.chosen + (ev.key === 'ArrowDown' ? 1 : this.matches.length - 1)) % this.matches.length;
      this.render();
    } else if ((ev.key === 'Enter' || ev.key === 'Tab') && this.matches.length) {
      ev.preventDefault();
      this.take();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      this.close();
    }
  }

  /** Puts the chosen snippet in the box, to be read over and sent. */
  take() {
    const s = this.matches[this.chosen];
    if (!s) return;
    this.input.value = s.text;
    this.close();
    this.input.focus();
  }

  close() {
    this.list.hidden = true;
    this.input.removeAttribute('aria-activedescendant');
  }

  /** The dialog to add and delete canned messages. */
  async manage() {
    await this.load();
    const key = h('input', { id: 'snippet-key', required: true, maxlength: 32, pattern: '[a-zA-Z0-9_\\-]+', autocomplete: 'off', placeholder: 'printer' });
    const text = h('textarea', { id: 'snippet-text', required: true, maxlength: 4000, rows: 3 });
    // Whose a new one is: the CSR's own, a team's they lead, or (site admins) everyone's.
    const leads = this.account.leads || [];
    const owner = h('select', { id: 'snippet-owner' },
      h('option', { value: 'own' }, 'Only me'),
      leads.map((t) => h('option', { value: `team:${t.id}` }, `Team ${t.name}`)),
      this.account.is_admin ? h('option', { value: 'shared' }, 'Every CSR (shared)') : null);
    const mayDelete = (s) => (s.shared ? this.account.is_admin : s.team_id ? this.account.is_admin || leads.some((t) => t.id === s.team_id) : true);
    const rows = h('tbody');
    const draw = () => fill(rows, this.all.map((s) => h('tr', { dataset: { key: s.key } },
      h('td', { text: `/${s.key}` }), h('td', { text: s.text }), h('td', { text: s.shared ? 'shared' : s.team ? `team ${s.team}` : 'yours' }),
      h('td', {}, mayDelete(s) ? h('button', { class: 'small danger', type: 'button', onclick: async () => {
        try { await api('DELETE', `/api/snippets/${s.id}`); await this.load(); draw(); } catch (e) { showError(e); }
      } }, 'Delete') : null))));
    draw();
    await dialog('Canned messages', (close) => h('div', { class: 'snippets-manager' },
      h('p', { class: 'muted', text: 'In the chat box, type / and the key to put one in; read it over, then send.' }),
      h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, ['Key', 'Text', '', ''].map((t) => h('th', { text: t })))), rows),
      h('form', { class: 'column', onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const body = { key: key.value.trim(), text: text.value };
          if (owner.value === 'shared') body.shared = true;
          else if (owner.value.startsWith('team:')) body.team_id = Number(owner.value.slice(5));
          await api('POST', '/api/snippets', body);
          key.value = '';
          text.value = '';
          await this.load();
          draw();
        } catch (e) { showError(e); }
      } }, h('label', { for: 'snippet-key' }, 'Key'), key, h('label', { for: 'snippet-text' }, 'Text'), text,
      leads.length || this.account.is_admin ? [h('label', { for: 'snippet-owner' }, 'For'), owner] : null,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'snippet-add' }, 'Add'),
        h('button', { type: 'button', id: 'snippets-close', onclick: () => close(true) }, 'Close')))));
  }
}
