// Scenario (S9, S10, issue 19 finding 1): screen viewing after video was used. The CSR shows
// their video and sees the customer's camera; then views the desktop: the pattern shows and no
// error toast appears. The CSR then switches between shares (desktop → application → desktop →
// application → desktop) and each picture shows. The answer of the agent must keep the
// direction the console offered on each video section, whatever tracks were added before.
import { scenario, signIn, startSession, inviteAgent, check, tab, WAIT, log, FAKE_MEDIA, videoPixels, quadrants, PATTERN, startCsrVideo, allowCamera } from './lib.mjs';

// src/pieces.rs APP_WINDOW_COLOUR
const WINDOW = [0x80, 0x40, 0xc0];

/** Fails when the console shows an error toast. */
async function noErrorToast(page, when) {
  const errors = await page.locator('#toasts .toast.error').allInnerTexts();
  check(errors.length === 0, `no error toast ${when} (saw ${JSON.stringify(errors)})`);
}

/**
 * Waits until the share video shows the desktop: the pattern on the agent's Xvfb, whose top
 * left quadrant the application window covers.
 */
async function waitForDesktop(page) {
  const deadline = Date.now() + WAIT;
  const desktop = (px) => !!px && px.every((c, i) => i === 0 || c.every((v, j) => Math.abs(v - PATTERN[i][j]) < 40));
  let seen = null;
  while (Date.now() < deadline && !desktop(seen)) {
    await page.waitForTimeout(200);
    seen = await quadrants(page, 'share-video');
  }
  check(desktop(seen), `the video shows the desktop's pattern (saw ${JSON.stringify(seen)})`);
}

/** Waits until the share video's centre is the application window's colour. */
async function waitForWindow(page) {
  const deadline = Date.now() + WAIT;
  const close = (c) => c && c.every((v, i) => Math.abs(v - WINDOW[i]) < 40);
  let seen = null;
  while (Date.now() < deadline && !close(seen)) {
    await page.waitForTimeout(200);
    seen = (await videoPixels(page, 'share-video', [[0.5, 0.5]]))?.[0] ?? null;
  }
  check(close(seen), `the video shows the application window (saw ${JSON.stringify(seen)})`);
}

/** Starts `capability` (the customer is asked when `prompt` is given) and waits for its picture. */
async function share(page, agent, capability, prompt) {
  await page.locator(`#share-${capability}`).click();
  if (prompt) {
    await agent.expect(prompt);
    agent.type('y');
  }
  await page.locator('#share-state', { hasText: /^Viewing the / }).waitFor({ timeout: WAIT });
  if (capability === 'screen_view') await waitForDesktop(page);
  else await waitForWindow(page);
}

async function stopShare(page) {
  await page.locator('#share-stop').click();
  await page.locator('#share-state', { hasText: 'Sharing stopped.' }).waitFor({ timeout: WAIT });
  await page.waitForFunction(() => !document.getElementById('share-screen_view').disabled, null, { timeout: WAIT });
}

scenario('video_then_screen', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  // The CSR's video, then the customer's camera.
  await startCsrVideo(page, agent);
  await allowCamera(page, agent);
  log('the CSR\'s video and the customer\'s camera run');

  // View desktop: the picture shows, no error.
  await tab(page, 'share');
  await share(page, agent, 'screen_view', 'asks to see your screen');
  await noErrorToast(page, 'after viewing the desktop');
  log('the desktop shows after video was used');

  // Switching between shares: each picture shows.
  for (let round = 1; round <= 2; round++) {
    await stopShare(page);
    await share(page, agent, 'application_view', round === 1 ? 'asks to see one of your application windows' : null);
    await noErrorToast(page, `after switching to the application (round ${round})`);
    await stopShare(page);
    await share(page, agent, 'screen_view', null);
    await noErrorToast(page, `after switching back to the desktop (round ${round})`);
    log(`round ${round}: desktop → application → desktop all showed`);
  }
}, { chromiumArgs: FAKE_MEDIA });
