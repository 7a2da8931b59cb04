// The customer page (issue 14, phase 1): join a support session in the browser, without a
// download. Opened as /join#invitation=<link token> from an invitation's page (the token stays
// in the fragment: never sent in a request, a log or a Referer), or as /join to type the code
// support read out. A seat this tab already holds (sessionStorage) is rejoined at once.
import { h, fill } from '../dom.js';
import { storedSeat, redeem, invitationInAddress, dropInvitationFromAddress } from './seat.js';
import { CustomerSession } from './session.js';

const app = document.getElementById('app');

function start() {
  const seat = storedSeat();
  if (seat) {
    dropInvitationFromAddress();
    return new CustomerSession(app, seat, true).start();
  }
  const link = invitationInAddress();
  return joinForm(link);
}

/** Asks the name (and the code when there is no link), then redeems the invitation. */
function joinForm(link) {
  const name = h('input', { id: 'join-name', autocomplete: 'name', maxlength: 64, required: true });
  const code = link ? null : h('input', { id: 'join-code', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 20, required: true, placeholder: '123 456 789' });
  const problem = h('p', { class: 'error', id: 'join-problem', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary', id: 'join-button' }, 'Join the session');
  const form = h('form', { class: 'join-form', onsubmit: async (ev) => {
    ev.preventDefault();
    problem.hidden = true;
    let invitation;
    if (link) invitation = { link };
    else {
      const digits = code.value.replace(/[\s-]/g, '');
      if (!/^\d{9}$/.test(digits)) return say('Type the nine-digit code your support representative gave you.');
      invitation = { code: digits };
    }
    button.disabled = true;
    try {
      const seat = await redeem(invitation, name.value.trim());
      dropInvitationFromAddress();
      new CustomerSession(app, seat).start();
    } catch (e) {
      say(`${e.message || 'Joining failed.'} (${e.code || 'unavailable'})`);
      button.disabled = false;
    }
  } },
  code ? [h('label', { for: 'join-code' }, 'The code your support representative gave you'), code] : null,
  h('label', { for: 'join-name' }, 'Your name'), name,
  h('div', { class: 'row' }, button),
  problem);
  function say(text) {
    problem.textContent = text;
    problem.hidden = false;
  }
  fill(app, h('div', { class: 'customer-join' },
    h('h1', { text: 'Join your support session' }),
    h('p', { text: link
      ? 'You are joining in your browser: nothing to download. Support can chat with you here; seeing or controlling your screen, files and the camera need the support agent.'
      : 'Type the code your support representative read out to you, and your name.' }),
    form,
    h('p', { class: 'muted', text: 'Nothing on your computer is shared until you allow it, and you can stop anything at any moment.' })));
  (code || name).focus();
}

start();
