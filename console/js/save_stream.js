// Saving a large incoming file to disk as it arrives, through the worker in ../save-sw.js
// (issue 15, item 5). Where the browser has no service workers (or the page is not in a
// secure context), `openSaveStream` answers null and the caller keeps the file as Blobs.

const WORKER = '/console/save-sw.js';
/** How long the worker may take to start, ms. */
const START_MS = 10_000;

let registration = null;

async function worker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
  if (!registration) registration = navigator.serviceWorker.register(WORKER, { scope: '/console/' });
  const reg = await registration;
  const deadline = Date.now() + START_MS;
  while (!reg.active && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return reg.active;
}

/**
 * Starts a download of `name` (`size` bytes) fed by what is written to the returned sink:
 * `write(arrayBuffer)` as bytes arrive, `close()` once they are all in and checked, `abort(why)`
 * to make the browser drop it. Null when streaming to disk is not available here.
 */
export async function openSaveStream(name, size) {
  let active;
  try {
    active = await worker();
  } catch {
    return null;
  }
  if (!active) return null;
  const id = crypto.randomUUID().replaceAll('-', '');
  const channel = new MessageChannel();
  const ready = new Promise((resolve) => { channel.port1.onmessage = ({ data }) => { if (data === 'ready') resolve(true); }; });
  active.postMessage({ id, name, size }, [channel.port2]);
  const ok = await Promise.race([ready, new Promise((r) => setTimeout(() => r(false), START_MS))]);
  if (!ok) return null;
  let cancelled = false;
  channel.port1.onmessage = ({ data }) => { if (data === 'cancelled') cancelled = true; };
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.src = `/console/saving/${id}`;
  document.body.append(frame);
  const done = () => { channel.port1.close(); setTimeout(() => frame.remove(), 60_000); };
  return {
    write(data) { if (!cancelled) channel.port1.postMessage(data, [data]); },
    close() { channel.port1.postMessage('end'); done(); },
    abort(why) { channel.port1.postMessage({ abort: String(why) }); done(); },
    get cancelled() { return cancelled; },
  };
}
