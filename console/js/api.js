// HTTP calls to signaling. Every refusal carries a stable `code` and a readable `message`
// (docs/protocol.md); they become ApiError and are shown, never swallowed.
import { h } from './dom.js';

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** `key`: an Idempotency-Key; the server answers a repeat of it with the first answer. */
export async function api(method, path, body, key) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (key) init.headers['idempotency-key'] = key;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new ApiError('unavailable', 'The support server cannot be reached. Check the connection and try again.', 0);
  }
  return answer(resp);
}

/** Sends a binary body (a recording). */
export async function upload(path, blob, contentType) {
  let resp;
  try {
    resp = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': contentType }, body: blob });
  } catch {
    throw new ApiError('unavailable', 'The support server cannot be reached. Check the connection and try again.', 0);
  }
  return answer(resp);
}

async function answer(resp) {
  let data = null;
  const text = await resp.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!resp.ok) {
    const code = data && data.code ? data.code : 'internal';
    const message = data && data.message ? data.message : `The server answered ${resp.status}.`;
    throw new ApiError(code, message, resp.status);
  }
  return data;
}

/** A readable sentence for any error (signaling's, the agent's, or the browser's). */
export function describe(err) {
  if (!err) return 'Something went wrong.';
  if (err.code && err.message) return `${err.message} (${err.code})`;
  if (err.name === 'NotAllowedError') return 'The browser was not allowed to use this device. Check the site permissions.';
  if (err.name === 'NotFoundError') return 'No such device was found (microphone or camera).';
  return err.message || String(err);
}

/** Shows a message for a few seconds (errors stay until dismissed). */
export function toast(text, kind = 'info') {
  const box = document.getElementById('toasts');
  const close = h('button', { class: 'link', 'aria-label': 'Dismiss', text: '×', onclick: () => t.remove() });
  const t = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('span', { text }), close);
  box.append(t);
  if (kind !== 'error') setTimeout(() => t.remove(), 6000);
  else setTimeout(() => t.remove(), 20000);
}

/** A fresh Idempotency-Key for one intent (one start, one invitation). */
export function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function showError(err) {
  toast(describe(err), 'error');
}
