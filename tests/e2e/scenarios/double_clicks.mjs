// S4, S5: a double click does a thing once. Double-clicking "Start session" opens one live
// session; double-clicking "Invite customer" shows one invitation dialog with one code, and
// that code admits the customer.
import { scenario, signIn, check, WAIT, log, Agent } from './lib.mjs';

/** The live sessions the signed-in CSR has, as the server lists them. */
const liveSessions = (page) => page.evaluate(async () => {
  const list = await (await fetch('/api/sessions', { credentials: 'same-origin' })).json();
  return list.filter((s) => !s.ended_at).map((s) => s.id);
});

scenario('double_clicks', async (t) => {
  const { page } = t;
  await signIn(page);
  await page.locator('#tracking-code').fill('CASE-4711');
  await page.locator('#start-session').dblclick();
  await page.locator('#participants li').first().waitFor({ timeout: WAIT });
  // Whatever a second click sent has had its answer well before the session view is up; wait
  // a little longer all the same, then count.
  await page.waitForTimeout(1000);
  const live = await liveSessions(page);
  const shown = page.url().split('#/session/')[1];
  check(live.length === 1 && live[0] === shown, `one live session, the one shown (live: ${JSON.stringify(live)}, shown: ${shown})`);
  log('a double click on Start session started one session');

  await page.locator('#invite-customer').dblclick();
  await page.locator('#invitation-code').waitFor({ timeout: WAIT });
  await page.waitForTimeout(1000);
  const dialogs = await page.locator('dialog[open]').count();
  const codes = await page.locator('#invitation-code').allTextContents();
  check(dialogs === 1 && codes.length === 1, `one invitation dialog with one code (dialogs: ${dialogs}, codes: ${JSON.stringify(codes)})`);
  log('a double click on Invite customer showed one invitation');
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('dialog[open]').waitFor({ state: 'detached', timeout: WAIT });
  check(await page.locator('dialog[open]').count() === 0, 'no other invitation dialog is left behind');

  // The code shown admits the customer.
  const agent = new Agent(codes[0].trim());
  t.agents.push(agent);
  await agent.expect('Connected to support session');
  await page.locator('#participants li[data-role=customer]').waitFor({ timeout: WAIT });
});
