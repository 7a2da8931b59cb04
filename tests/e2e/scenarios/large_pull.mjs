// Issue 15, item 5: a 1 GiB file copied from the customer's shared folder is saved to disk by the
// browser as it arrives (a Blob that large cannot be downloaded: Chromium cancels it), and the
// file on disk has the SHA-256 of the original.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, tab, log, WAIT } from './lib.mjs';

const MIB = 1024 * 1024;
const SIZE = 1024 * MIB + 4321;

/** Writes `bytes` random bytes to `path` in 16 MiB pieces; returns their SHA-256. */
function makeLargeFile(path, bytes) {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0;) {
    const piece = randomBytes(Math.min(left, 16 * MIB));
    hash.update(piece);
    writeSync(fd, piece);
    left -= piece.length;
  }
  closeSync(fd);
  return hash.digest('hex');
}

function sha256OnDisk(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

scenario('large_pull', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  const sum = makeLargeFile(join(agent.shared, 'disk-image.bin'), SIZE);
  log('1 GiB file made in the customer\'s shared folder');
  await tab(page, 'files');
  await page.locator('#open-advanced').click();
  await agent.expect('asks to open file transfer with your computer');
  agent.type('y');
  const entry = page.locator('#listing tr[data-name="disk-image.bin"]');
  await entry.waitFor({ timeout: WAIT });
  const downloading = page.waitForEvent('download', { timeout: WAIT * 2 });
  const began = Date.now();
  await entry.getByRole('button', { name: 'Copy to me' }).click();
  await agent.expect('asks to copy disk-image.bin (1.0 GiB) from your computer.');
  agent.type('y');
  const download = await downloading;
  check(download.suggestedFilename() === 'disk-image.bin', `the browser saves it under its name (${download.suggestedFilename()})`);
  const row = page.locator('#transfers tr', { hasText: 'disk-image.bin' });
  await row.locator('.state.done').waitFor({ timeout: 240_000 });
  check((await row.locator('.state').textContent()).includes('saved to your downloads as it arrived, SHA-256 checked'), 'the console says it is saved and checked');
  const path = await download.path();
  check(!!path, `the browser finished the download (${await download.failure()})`);
  const secs = (Date.now() - began) / 1000;
  log(`1 GiB copied and saved in ${secs.toFixed(1)} s (${(SIZE / MIB / secs).toFixed(1)} MiB/s)`);
  check(await sha256OnDisk(path) === sum, 'the file on disk has the SHA-256 of the original');
  // The page kept none of it: its heap is far below the file's size.
  const heap = await page.evaluate(() => performance.memory ? performance.memory.usedJSHeapSize : 0);
  log(`page heap after the transfer: ${(heap / MIB).toFixed(1)} MiB`);
  check(heap < 256 * MIB, `the page did not hold the file (${(heap / MIB).toFixed(0)} MiB of heap)`);
});
