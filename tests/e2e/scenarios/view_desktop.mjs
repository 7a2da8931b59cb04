// Scenario 3 (S10, S21): view desktop. After the customer's grant the console's video shows
// the pattern drawn on the agent's Xvfb (pixels of the rendered video are checked), and the
// customer's revocation stops it at once. With E2E_RELAY=1 both sides use only TURN relay
// candidates and coturn's log must show the relay in use.
import { readFileSync } from 'node:fs';
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, env, WAIT, log, videoPixels } from './lib.mjs';

// scenarios/../src/pieces.rs PATTERN: top left, top right, bottom left, bottom right.
const PATTERN = [[0xe0, 0x20, 0x20], [0x20, 0xc0, 0x20], [0x20, 0x40, 0xe0], [0xf0, 0xf0, 0xf0]];

/** Colours at the centre of each quadrant of the rendered video. */
const quadrants = (page) => videoPixels(page, 'share-video', [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]);

const close = (a, b) => a.every((v, i) => Math.abs(v - b[i]) < 40);

scenario(env.relay ? 'view_desktop_relay' : 'view_desktop', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'share');
  await page.locator('#share-screen_view').click();
  await page.locator('#share-state', { hasText: "waiting for the customer's permission" }).waitFor();
  await agent.expect('asks to see your screen');
  agent.type('y');
  const deadline = Date.now() + WAIT;
  let seen = null;
  while (Date.now() < deadline) {
    seen = await quadrants(page);
    if (seen && seen.every((c, i) => close(c, PATTERN[i]))) break;
    await page.waitForTimeout(200);
  }
  check(seen && seen.every((c, i) => close(c, PATTERN[i])), `the video shows the pattern (saw ${JSON.stringify(seen)})`);
  log('the console shows the customer\'s screen');
  await shot(page, env.relay ? 'view-desktop-relay' : 'view-desktop');
  if (env.relay) {
    const turn = readFileSync(env.turnLog, 'utf8');
    check(/CREATE_PERMISSION processed, success|CHANNEL_BIND processed, success/.test(turn), 'coturn relayed for this session');
  }
  // The customer takes it back: the console says so at once and the picture stops.
  agent.type('revoke screen_view');
  await page.locator('#share-state.revoked').waitFor({ timeout: 5000 });
  check(await page.evaluate(() => document.getElementById('share-video').srcObject === null), 'the video stopped');
});
