// Scenario 3 (S10, S21): view desktop. After the customer's grant the console's video shows
// the pattern drawn on the agent's Xvfb (pixels of the rendered video are checked), and the
// customer's revocation stops it at once. With E2E_RELAY=1 both sides use only TURN relay
// candidates and coturn's log must show the relay in use.
import { readFileSync } from 'node:fs';
import { scenario, signIn, startSession, inviteAgent, check, shot, env, log, viewScreen } from './lib.mjs';

scenario(env.relay ? 'view_desktop_relay' : 'view_desktop', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await viewScreen(page, agent);
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
