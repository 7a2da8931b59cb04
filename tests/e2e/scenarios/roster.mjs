// Scenario 1 (S4, S5, S2): sign in, start a session with a tracking code, invite, the agent
// joins with the code read out, and the participants panel shows both.
import { scenario, signIn, startSession, inviteAgent, check, shot, env, WAIT } from './lib.mjs';

scenario('roster', async (t) => {
  const { page } = t;
  await page.goto(env.base);
  await page.locator('#username').waitFor();
  await shot(page, 'sign-in');
  await signIn(page);
  await shot(page, 'start');
  const session = await startSession(page, 'CASE-4711');
  check(session && session.startsWith('ses_'), `the address names the session (${page.url()})`);
  check((await page.locator('#tracking-code-shown').textContent()) === 'CASE-4711', 'the toolbar shows the tracking code');
  // Before a customer joins: alone, host, and video/sharing not available yet (S9, S10).
  const me = page.locator('#participants li[data-role=csr]');
  await me.locator('.tag.host').waitFor();
  check((await me.locator('.pname').textContent()).startsWith('Alice'), 'Alice is listed');
  check(await page.locator('#share-screen_view').isDisabled(), 'sharing waits for a customer');
  const agent = await inviteAgent(t, { screenshot: true });
  await agent.expect('Alice (support)');
  const customer = page.locator('#participants li[data-role=customer]');
  await customer.waitFor({ timeout: WAIT });
  check((await customer.locator('.pname').textContent()) === 'Dana', 'the customer is listed by name');
  const tags = await customer.locator('.tag').allTextContents();
  check(tags.includes('customer') && tags.includes('primary'), `the customer is the primary customer (${tags})`);
  check(await customer.evaluate((el) => el.classList.contains('online')), 'the customer is online');
  check(!(await page.locator('#share-screen_view').isDisabled()), 'sharing is offered once the customer joined');
  await page.locator('#tab-av').click();
  check(!(await page.locator('#video-start').isDisabled()), 'video can start once a customer joined (S9)');
  await page.locator('#tab-share').click();
  await shot(page, 'session');
  // A reload (no goodbye sent) connects to the agent again.
  await page.reload();
  await page.locator('#participants li[data-role=customer] .tag', { hasText: 'connected' }).waitFor({ timeout: WAIT });
});
