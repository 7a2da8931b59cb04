// The customer's seat: redeeming the invitation (POST /api/join) and keeping the seat in this
// tab's sessionStorage, so that a reload connects again as the same participant instead of
// using up a new invitation. Nothing is kept beyond the tab (sessionStorage ends with it).

const KEY = 'support-seat';

/** The seat this tab holds, or null. */
export function storedSeat() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && typeof s.token === 'string' && typeof s.participant_id === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** Forgets the seat: after leaving, an end, or a token signaling no longer accepts. */
export function forgetSeat() {
  try { sessionStorage.removeItem(KEY); } catch { /* storage off: nothing kept */ }
}

/**
 * Redeems an invitation, `{link}` or `{code}`, under `name`; keeps and returns the seat
 * `{session_id, participant_id, token}`. Throws `{code, message}` as signaling refused it.
 */
export async function redeem(invitation, name) {
  let res;
  try {
    res = await fetch('/api/join', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...invitation, name }),
      credentials: 'omit',
    });
  } catch {
    throw { code: 'unavailable', message: 'The support server cannot be reached. Check your connection and try again.' };
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON: said below */ }
  if (!res.ok || !body || !body.token) {
    throw body && body.code ? body : { code: 'unavailable', message: 'The support server answered something unexpected. Try again.' };
  }
  const seat = { session_id: body.session_id, participant_id: body.participant_id, token: body.token };
  try { sessionStorage.setItem(KEY, JSON.stringify(seat)); } catch { /* a reload will need a new invitation */ }
  return seat;
}

/** The invitation this page was opened with: `#invitation=<link token>` (never sent to the server). */
export function invitationInAddress() {
  const m = /^#invitation=([A-Za-z0-9_-]{1,200})$/.exec(location.hash);
  return m ? m[1] : null;
}

/** Takes the invitation out of the address once it is used, so a reload does not offer it again. */
export function dropInvitationFromAddress() {
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
}
