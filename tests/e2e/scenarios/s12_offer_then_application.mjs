// S11, S12: a file offer blocks application sharing only while it runs. With the customer's
// grant for the session already given, the CSR offers a file and tries to view the
// application: signaling's reason shows and stays (no "Sharing stopped.", no error toast).
// The CSR ends the offer from the Files tab, and application sharing starts and shows the
// window. An offer the customer downloads ends by itself.
import { scenario, signIn, startSession, inviteAgent, check, tab, WAIT, log, videoPixels, makeFile } from './lib.mjs';
import { join } from 'node:path';

// src/pieces.rs APP_WINDOW_COLOUR
const WINDOW = [0x80, 0x40, 0xc0];
const REASON = 'Application sharing cannot start while a file transfer runs. End the file transfer first.';

const close = (c) => !!c && c.every((v, i) => Math.abs(v - WINDOW[i]) < 40);

async function waitForWindow(page) {
  const deadline = Date.now() + WAIT;
  let seen = null;
  while (Date.now() < deadline && !close(seen)) {
    await page.waitForTimeout(200);
    seen = (await videoPixels(page, 'share-video', [[0.5, 0.5]]))?.[0] ?? null;
  }
  check(close(seen), `the video shows the application window (saw ${JSON.stringify(seen)})`);
}

async function viewApplication(page) {
  await tab(page, 'share');
  await page.locator('#share-application_view:not([disabled])').click();
  await page.locator('#share-state', { hasText: 'Viewing the application of Dana' }).waitFor({ timeout: WAIT });
  await waitForWindow(page);
}

async function stopSharing(page) {
  await page.locator('#share-stop').click();
  await page.locator('#share-state', { hasText: 'Sharing stopped.' }).waitFor({ timeout: WAIT });
}

/** Error toasts shown now. */
const errorToasts = (page) => page.locator('#toasts .toast.error').allTextContents();

scenario('s12_offer_then_application', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  // The customer allows viewing an application for the session.
  await tab(page, 'share');
  await page.locator('#share-application_view').click();
  await agent.expect('Alice (support) asks to see one of your application windows');
  agent.type('y');
  await page.locator('#share-state', { hasText: 'Viewing the application of Dana' }).waitFor({ timeout: WAIT });
  await waitForWindow(page);
  await stopSharing(page);
  log('viewed the application once, with a grant for the session');

  // A file is offered; the customer does not answer yet.
  const manual = join(t.agents[0].dir, 'manual.pdf');
  makeFile(manual, 64 * 1024);
  await tab(page, 'files');
  await page.locator('#offer-files').setInputFiles(manual);
  await agent.expect('offers file 1: manual.pdf');
  await page.locator('#end-offer').waitFor({ state: 'visible', timeout: WAIT });

  // Application sharing is refused with signaling's reason, which stays.
  await tab(page, 'share');
  await page.locator('#share-application_view:not([disabled])').click();
  await page.locator('#share-state', { hasText: REASON }).waitFor({ timeout: WAIT });
  await page.waitForTimeout(3000);
  const state = await page.locator('#share-state').textContent();
  check(state.includes(REASON), `the reason stays on screen (${JSON.stringify(state)})`);
  const toasts = await errorToasts(page);
  check(!toasts.some((x) => /activity_not_active|not running/.test(x)), `no "not running" error (${JSON.stringify(toasts)})`);
  check(!(await page.locator('#share-stop').isVisible()), 'nothing is shown as shared');
  log('the S12 reason shows and stays');

  // The CSR ends the offer; application sharing starts.
  await tab(page, 'files');
  await page.locator('#end-offer').click();
  await page.locator('#end-offer').waitFor({ state: 'hidden', timeout: WAIT });
  await page.locator('#transfers tr', { hasText: 'manual.pdf' }).locator('.state', { hasText: 'withdrawn' }).waitFor({ timeout: WAIT });
  await viewApplication(page);
  log('after ending the offer, the application is shared');
  await stopSharing(page);

  // An offer the customer downloads ends by itself.
  await tab(page, 'files');
  await page.locator('#offer-files').setInputFiles(manual);
  await agent.expect('offers file 2: manual.pdf');
  agent.type('accept 2');
  await page.locator('#transfers tr', { hasText: 'manual.pdf' }).first().locator('.state', { hasText: 'downloaded by the customer' }).waitFor({ timeout: WAIT });
  await page.locator('#end-offer').waitFor({ state: 'hidden', timeout: WAIT });
  await viewApplication(page);
  const after = await errorToasts(page);
  check(!after.some((x) => /activity_not_active|not running/.test(x)), `no "not running" error at any point (${JSON.stringify(after)})`);
  log('a downloaded offer ended by itself; the application is shared again');
});
