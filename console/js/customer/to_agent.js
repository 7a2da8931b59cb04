// The customer takes their seat from the browser to the support agent (issue 14): the page asks
// signaling for an invitation for this seat only (`POST /api/seat/agent`) and offers its
// download — the agent then joins as this same customer with no typing — or its code, for an
// agent already on the computer. Once the agent is in, this page's token no longer works;
// the page says where the session went on.
import { h, fill } from '../dom.js';

/** Asks for the seat's invitation: `{download, code, expires_at}`, or throws `{code, message}`. */
export async function seatForAgent(token) {
  let res;
  try {
    res = await fetch('/api/seat/agent', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'omit',
    });
  } catch {
    throw { code: 'unavailable', message: 'The support server cannot be reached. Check your connection and try again.' };
  }
  let body = null;
  try { body = await res.json(); } catch { /* said below */ }
  if (!res.ok || !body || !body.download) throw body && body.code ? body : { code: 'unavailable', message: 'The support server answered something unexpected. Try again.' };
  return body;
}

/**
 * The "Continue in the support agent" box: a button that fetches this seat's invitation, then
 * the download and the code. `onAsked()` is told once the customer has it (the page then knows
 * its token may end because the agent took the seat). `idPrefix` keeps ids unique when the box
 * shows twice (the page's note and a question's dialog).
 */
export function toAgentBox(token, onAsked, idPrefix = '') {
  const out = h('div', { class: 'to-agent-offer', 'aria-live': 'polite' });
  const button = h('button', { class: 'primary', id: `${idPrefix}continue-in-agent`, onclick: async () => {
    button.disabled = true;
    try {
      const seat = await seatForAgent(token);
      onAsked();
      const until = new Date(seat.expires_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      fill(out,
        h('p', {}, h('a', { class: 'button primary', id: `${idPrefix}agent-download`, href: seat.download, download: 'support-agent' }, 'Download the support agent (Linux, 64-bit)')),
        h('p', { text: 'Start it: it joins this session as you, with nothing to type. What you allowed here ends, and support asks again in the agent.' }),
        h('p', {}, 'Already have the support agent? Join with this code: ', h('strong', { class: 'code', id: `${idPrefix}agent-code`, text: seat.code }), ` (until ${until}).`));
    } catch (e) {
      button.disabled = false;
      fill(out, h('p', { class: 'error', role: 'alert', text: `${e.message || 'That did not work.'} (${e.code || 'unavailable'})` }));
    }
  } }, 'Continue in the support agent');
  return h('div', { class: 'to-agent' }, button, out);
}
