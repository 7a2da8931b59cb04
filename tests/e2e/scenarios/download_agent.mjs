// Issue 13, a customer who already has the agent: the join page shows the code beside the
// download. The customer opens their copy of the agent (no arguments, no invitation in its
// file): the Join screen asks for the support site and the code. A mistyped code is refused
// in words; the code from the page joins Alice's session.
import { scenario, signIn, startSession, check, env, log, WAIT } from './lib.mjs';
import { WindowAgent } from './window_lib.mjs';

scenario('download_agent', async (t) => {
  const { page, browser } = t;
  await signIn(page, 'alice');
  await startSession(page, 'CASE-CODE');
  await page.locator('#invite-customer').click();
  const link = await page.locator('#invitation-link').inputValue();
  await page.getByRole('button', { name: 'Done' }).click();

  // The customer's own browser shows the code for a copy already on the computer.
  const customer = await (await browser.newContext({ viewport: { width: 900, height: 1040 } })).newPage();
  await customer.goto(link);
  await customer.getByRole('heading', { name: 'Join your support session' }).waitFor();
  const code = (await customer.locator('.code').textContent()).trim();
  check(/^\d{3} \d{3} \d{3}$/.test(code), `the page shows the code (${code})`);
  check(await customer.getByText('Already have the support agent?').isVisible(), 'the page says what the code is for');

  const win = new WindowAgent();
  t.agents.push(win);
  const opened = await win.open({ told: false });
  log(`the Join screen shows ${opened} ms after start`);
  win.fill('Support site', env.base);
  win.fill('Code', '123 456 780');
  win.fill('Your name', 'Dana');
  win.shot('window-join');
  win.click('Join');
  const refused = await win.wait('Cannot join');
  log(`a mistyped code: ${refused}`);
  check(await page.locator('#participants li[data-role=customer]').count() === 0, 'nobody joined with the wrong code');

  win.fill('Code', code);
  win.click('Join');
  await win.wait('Who is here');
  await win.wait('Alice (support)');
  await page.locator('#participants li[data-role=customer]', { hasText: 'Dana' }).locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });
  log('the agent already on the computer joined with the code from the page');
});
