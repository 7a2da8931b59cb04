// Scenario (S10, S12, S21): while the CSR views one of the customer's applications, the Files tab
// is greyed out with the reason; stopping the application share restores it. The agent's X
// server has one application window (tests/e2e/src/pieces.rs `open_window`), shown in the
// console after the customer's grant.
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, WAIT, log, videoPixels } from './lib.mjs';

// src/pieces.rs APP_WINDOW_COLOUR
const WINDOW = [0x80, 0x40, 0xc0];
const S12 = 'File transfer is not available while an application is viewed or controlled. Stop application sharing first.';

/** The colour at the centre of the rendered share video; null before a frame. */
const centre = async (page) => (await videoPixels(page, 'share-video', [[0.5, 0.5]]))?.[0] ?? null;

/** Whether the Files tab is greyed out: the reason shown, its controls disabled. */
async function filesGreyed(page) {
  return page.evaluate(() => {
    const panel = document.getElementById('panel-files');
    const reason = document.getElementById('files-disabled-reason');
    return {
      greyed: panel.classList.contains('greyed'),
      reason: reason.hidden ? null : reason.textContent,
      openDisabled: document.getElementById('open-advanced').disabled,
      offerDisabled: document.getElementById('offer-files').disabled,
    };
  });
}

scenario('s12_files_greyed', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'files');
  let f = await filesGreyed(page);
  check(!f.greyed && f.reason === null && !f.openDisabled && !f.offerDisabled, `file transfer is available before sharing (${JSON.stringify(f)})`);

  // The CSR views the customer's application once they allow it.
  await tab(page, 'share');
  await page.locator('#share-application_view').click();
  await agent.expect('Alice (support) asks to see one of your application windows');
  agent.type('y');
  await page.locator('#share-state', { hasText: 'Viewing the application of Dana (480×320).' }).waitFor({ timeout: WAIT });
  const deadline = Date.now() + WAIT;
  const close = (c) => c && c.every((v, i) => Math.abs(v - WINDOW[i]) < 40);
  let seen = null;
  while (Date.now() < deadline && !close(seen)) {
    await page.waitForTimeout(200);
    seen = await centre(page);
  }
  check(close(seen), `the video shows the application window (saw ${JSON.stringify(seen)})`);
  log('the console shows the customer\'s application');

  // S12: the Files tab is greyed out and says why.
  await tab(page, 'files');
  await page.locator('#files-disabled-reason', { hasText: S12 }).waitFor({ timeout: WAIT });
  f = await filesGreyed(page);
  check(f.greyed && f.reason === S12 && f.openDisabled && f.offerDisabled, `file transfer is greyed out with the S12 reason (${JSON.stringify(f)})`);
  log('file transfer is greyed out with the S12 reason');
  await shot(page, 'files-greyed');

  // Stopping the application share restores file transfer.
  await tab(page, 'share');
  await page.locator('#share-stop').click();
  await page.locator('#share-state', { hasText: 'Sharing stopped.' }).waitFor({ timeout: WAIT });
  await tab(page, 'files');
  await page.locator('#files-disabled-reason').waitFor({ state: 'hidden', timeout: WAIT });
  f = await filesGreyed(page);
  check(!f.greyed && f.reason === null && !f.openDisabled && !f.offerDisabled, `file transfer is available again (${JSON.stringify(f)})`);
  log('stopping the application share restored file transfer');
});
