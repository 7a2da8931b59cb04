// Streams a large file the console receives straight to the browser's downloads (issue 15,
// item 5). The page cannot hand a 1 GiB Blob to a download (Chromium cancels it), so the page
// registers this worker, gives it a MessagePort per file, and opens /console/saving/<id> in a
// hidden frame: the worker answers that request with a stream fed from the port, and the
// browser writes it to disk as it arrives. Nothing is kept here once the download has begun.
// The page ends the stream only after the SHA-256 matched; a mismatch errors it, and the
// browser marks the download failed.

/** Files announced by the page and not yet asked for by their frame: id -> {stream, name, size}. */
const waiting = new Map();
/** The longest a file may wait for its frame, ms. */
const CLAIM_MS = 60_000;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));

self.addEventListener('message', (e) => {
  const { id, name, size } = e.data || {};
  const port = e.ports && e.ports[0];
  if (!port || typeof id !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(id) || typeof name !== 'string' || !Number.isSafeInteger(size)) return;
  const stream = new ReadableStream({
    start(controller) {
      port.onmessage = ({ data }) => {
        if (data === 'end') controller.close();
        else if (data && typeof data.abort === 'string') controller.error(new Error(data.abort));
        else if (data instanceof ArrayBuffer) controller.enqueue(new Uint8Array(data));
      };
    },
    cancel() { port.postMessage('cancelled'); },
  });
  waiting.set(id, { stream, name, size });
  setTimeout(() => waiting.delete(id), CLAIM_MS);
  port.postMessage('ready');
});

self.addEventListener('fetch', (e) => {
  const m = /^\/console\/saving\/([A-Za-z0-9_-]{8,64})$/.exec(new URL(e.request.url).pathname);
  if (!m) return;
  const file = waiting.get(m[1]);
  waiting.delete(m[1]);
  if (!file) {
    e.respondWith(new Response('This file is no longer being received.', { status: 404 }));
    return;
  }
  e.respondWith(new Response(file.stream, {
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-Type-Options': 'nosniff',
    },
  }));
});
