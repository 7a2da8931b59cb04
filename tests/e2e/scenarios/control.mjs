// Scenario 4 (S10, S21): control desktop. A click in the console's view moves the pointer on
// the agent's X server to the matching spot.
import { scenario, signIn, startSession, inviteAgent, tab, clickAndSeeThePointerMove, WAIT } from './lib.mjs';

scenario('control', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'share');
  await page.locator('#share-remote_control').click();
  await agent.expect('asks to see and control your screen');
  agent.type('y');
  await page.locator('#share-surface.control').waitFor({ timeout: WAIT });
  await clickAndSeeThePointerMove(page);
});
