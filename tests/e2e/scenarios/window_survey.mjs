// Issue 16, the satisfaction survey in the agent's window: Dana joins in her window (an agent
// already on her computer); Alice ends the session with notes; the window asks how the help was;
// Dana picks 4 of 5 and writes a comment (over AT-SPI, as a screen reader would) and sends it;
// the window thanks her and Alice's history shows the rating with the comment.
import { scenario, signIn, startSession, env, WAIT, eventually, log } from './lib.mjs';
import { WindowAgent } from './window_lib.mjs';

scenario('window_survey', async (t) => {
  const { page } = t;
  await signIn(page, 'alice');
  const session = await startSession(page, 'CASE-RATE');
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  const win = new WindowAgent();
  t.agents.push(win);
  await win.open();
  win.fill('Code', code);
  win.fill('Your name', 'Dana');
  win.click('Join');
  await win.wait('Who is here');
  await page.locator('#participants li[data-role=customer]', { hasText: 'Dana' }).locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });

  // Alice ends the session; the window asks.
  await page.locator('#end-session').click();
  await page.locator('#end-notes').fill('Printer queue cleared.');
  await page.locator('#confirm-end').click();
  await win.wait('How was the help you got?');
  win.click('4 of 5: good');
  await win.wait('4 of 5: good');
  win.fill('Anything you would like to add (optional)', 'Fixed in minutes.');
  win.shot('window-survey');
  win.click('Send');
  await win.wait('Thank you for your answer.');
  log('the window sent the rating');

  // Alice's history shows it.
  // (The console went to this page when the session ended, before the answer: reloaded.)
  await page.goto(`${env.base}/#/history/${session}`);
  await page.reload();
  await eventually(page, 'the session page shows the rating', () => page.locator('#history-rating').textContent(),
    (s) => s === '★ 4 of 5 — “Fixed in minutes.”');
});
