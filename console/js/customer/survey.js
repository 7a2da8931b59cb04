// Issue 16: when support ends the session, the customer is asked how it went: a rating from 1 to
// 5 and an optional comment, sent once with the seat's token (good for nothing else once the
// session ended). Skipping is always possible: closing the page is enough.
import { h } from '../dom.js';

const MAX_COMMENT = 1000;
const WORDS = ['very poor', 'poor', 'fair', 'good', 'excellent'];

/** The survey form for the seat whose token is `token`. */
export function surveyBox(token) {
  let rating = 0;
  const state = h('p', { class: 'muted', id: 'survey-state', role: 'status' });
  const stars = WORDS.map((w, i) => h('button', {
    class: 'survey-star',
    id: `survey-${i + 1}`,
    type: 'button',
    'aria-pressed': 'false',
    'aria-label': `${i + 1} of 5: ${w}`,
    onclick: () => {
      rating = i + 1;
      stars.forEach((b, j) => b.setAttribute('aria-pressed', String(j < rating)));
      send.disabled = false;
      state.textContent = `${rating} of 5: ${w}`;
    },
  }, '★'));
  const comment = h('textarea', { id: 'survey-comment', maxlength: String(MAX_COMMENT), rows: '3', 'aria-label': 'Anything you would like to add (optional)', placeholder: 'Anything you would like to add (optional)' });
  const send = h('button', { id: 'survey-send', type: 'button', disabled: true, onclick: async () => {
    send.disabled = true;
    state.textContent = 'Sending…';
    try {
      const r = await fetch('/api/survey', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, rating, comment: comment.value.slice(0, MAX_COMMENT) }),
      });
      if (r.ok) {
        box.replaceChildren(h('p', { id: 'survey-thanks', role: 'status', text: 'Thank you for your answer.' }));
        return;
      }
      const e = await r.json().catch(() => ({}));
      state.textContent = e.message || `Your answer could not be sent (${r.status}).`;
      if (r.status !== 410) send.disabled = false;
    } catch {
      state.textContent = 'Your answer could not be sent: no connection to the support site.';
      send.disabled = false;
    }
  } }, 'Send');
  const box = h('section', { class: 'survey', id: 'survey', 'aria-labelledby': 'survey-title' },
    h('h2', { id: 'survey-title', text: 'How was the help you got?' }),
    h('div', { class: 'survey-stars', role: 'group', 'aria-label': 'Your rating' }, ...stars),
    comment, h('div', { class: 'row' }, send), state);
  return box;
}
