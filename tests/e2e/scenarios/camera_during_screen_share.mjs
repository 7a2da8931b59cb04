// Scenario (S9, S10, issue 19 finding 6): the customer's camera keeps playing when a screen share
// starts. The CSR shows their video and sees the customer's camera (the agent's test picture),
// then views the desktop: the desktop shows, and the camera's picture goes on (its frame count
// keeps growing, its pixels are still the test picture).
import { scenario, signIn, startSession, inviteAgent, check, tab, WAIT, log, viewScreen, videoPixels, FAKE_MEDIA, startCsrVideo, allowCamera } from './lib.mjs';

/** The camera's test picture: colour bars, several distinct bright colours across a row. */
const ROW = Array.from({ length: 8 }, (_, i) => [(i + 0.5) / 8, 0.3]);
function looksLikeBars(px) {
  if (!px) return false;
  const colours = new Set(px.map((p) => p.map((v) => v >> 5).join(',')));
  return colours.size >= 4 && px.filter((p) => p[0] + p[1] + p[2] > 120).length >= 4;
}

const frames = (page) => page.evaluate(() => document.getElementById('customer-video').getVideoPlaybackQuality().totalVideoFrames);

/** Waits until the camera view has shown `more` new pictures within 2 s, up to the deadline. */
async function cameraPlays(page, what) {
  const deadline = Date.now() + WAIT;
  let before = 0;
  let after = 0;
  while (Date.now() < deadline) {
    before = await frames(page);
    await page.waitForTimeout(2000);
    after = await frames(page);
    if (after >= before + 10 && looksLikeBars(await videoPixels(page, 'customer-video', ROW))) return;
  }
  check(false, `the customer's camera plays ${what} (${before} then ${after} pictures in 2 s)`);
}

scenario('camera_during_screen_share', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  await startCsrVideo(page, agent);
  await allowCamera(page, agent);
  await cameraPlays(page, 'before the screen share');
  log('the customer\'s camera plays');

  await viewScreen(page, agent);
  log('the console shows the customer\'s screen');
  await tab(page, 'av');
  await cameraPlays(page, 'while the screen is shared');
  log('the customer\'s camera keeps playing while the screen is shared');
}, { chromiumArgs: FAKE_MEDIA });
