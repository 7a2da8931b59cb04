// Invitations by e-mail (issue 14): the address field and "Send by e-mail" button of the invite
// dialogs when the site has a mail relay (signaling --smtp-url), a sentence when it has none.
// The server checks the address and the budgets; its refusals are shown in its words with
// their code.
import { api, describe, newKey } from './api.js';
import { h } from './dom.js';

let setUp = null;

/** Whether this site sends e-mail; asked once per console load (again after a failed ask). */
export function mailSetUp() {
  if (setUp === null) {
    setUp = api('GET', '/api/mail').then((r) => Boolean(r && r.set_up)).catch(() => { setUp = null; return false; });
  }
  return setUp;
}

/**
 * The e-mail part of an invite dialog. `id` prefixes the elements' ids; `send(to, key)` posts
 * the mail and resolves with the server's answer ({sent, to}: the address masked).
 */
export function emailBlock(id, available, send) {
  if (!available) {
    return h('p', { id: `${id}-email-off`, class: 'muted', text: 'Sending by e-mail is not set up on this site (the administrator sets --smtp-url).' });
  }
  const input = h('input', { id: `${id}-email`, type: 'text', inputmode: 'email', autocomplete: 'email', maxlength: 254, placeholder: 'name@example.com' });
  const result = h('p', { id: `${id}-email-result`, role: 'status' });
  const button = h('button', { type: 'submit', id: `${id}-email-send` }, 'Send by e-mail');
  // One key per address: a double click sends one mail; another address is another mail.
  let key = null;
  let keyFor = null;
  const submit = async (ev) => {
    ev.preventDefault();
    const to = input.value.trim();
    if (to !== keyFor) { key = newKey(); keyFor = to; }
    button.disabled = true;
    result.className = 'muted';
    result.textContent = `Sending to ${to}…`;
    try {
      const r = await send(to, key);
      result.className = '';
      result.textContent = `Sent to ${r.to}.`;
    } catch (e) {
      // Refused: the next try (after a fix, or later) is a new request.
      keyFor = null;
      result.className = 'error';
      result.textContent = `Not sent: ${describe(e)}`;
    } finally {
      button.disabled = false;
    }
  };
  return h('div', { class: 'email' },
    h('form', { class: 'row', onsubmit: submit }, h('label', { for: input.id }, 'E-mail'), input, button),
    result);
}
