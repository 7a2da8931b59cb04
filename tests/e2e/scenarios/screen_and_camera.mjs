// Scenario (S9, S10): the customer's screen and camera at once. The CSR views the screen (the
// pattern on the agent's Xvfb), then asks for the camera (the agent's test picture): both show,
// each in its own place — the console offers a second video section for the camera, and tells
// the two apart by the agent's stream ids.
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, WAIT, log, videoPixels, viewScreen, quadrants, isPattern } from './lib.mjs';

/** The camera's test picture: colour bars, several distinct bright colours across a row. */
const ROW = Array.from({ length: 8 }, (_, i) => [(i + 0.5) / 8, 0.3]);
function looksLikeBars(px) {
  if (!px) return false;
  const colours = new Set(px.map((p) => p.map((v) => v >> 5).join(',')));
  return colours.size >= 4 && px.filter((p) => p[0] + p[1] + p[2] > 120).length >= 4;
}

async function until(what, probe, ok) {
  const deadline = Date.now() + WAIT;
  let seen = null;
  while (Date.now() < deadline) {
    seen = await probe();
    if (ok(seen)) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  check(false, `${what} (saw ${JSON.stringify(seen)})`);
}

scenario('screen_and_camera', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  await viewScreen(page, agent);
  log('the console shows the customer\'s screen');

  await tab(page, 'av');
  await page.locator('#camera-ask').click();
  await agent.expect('Alice (support) asks to turn on your camera');
  agent.type('y');
  await page.locator('#video-state', { hasText: "Showing Dana's camera." }).waitFor({ timeout: WAIT });
  const camera = () => videoPixels(page, 'customer-video', ROW);
  await until('the camera view shows the test picture', camera, looksLikeBars);
  check(!isPattern(await quadrants(page, 'customer-video')), 'the camera view is not the screen');
  log('the console shows the customer\'s camera beside the screen');
  await shot(page, 'screen-and-camera');

  await tab(page, 'share');
  // Waited for, not read once: the tab switch shows the video again a moment later (this read
  // once failed a fresh clone's run, 286 of 287).
  await until('the screen view still shows the screen, not the camera', () => quadrants(page, 'share-video'), isPattern);
  log('both pictures show at once, each in its place');
});
