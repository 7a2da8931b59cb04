// Issue 13, the customer's side: Alice invites; the customer opens the link in their browser,
// downloads the agent with the page's button, makes it executable and opens it with no
// arguments (under the test's X server, in a home folder of its own). It joins Alice's
// session by itself, not Bob's, whose invitation is open at the same time.
import { scenario, signIn, startSession, check, shot, env, log, Agent, WAIT } from './lib.mjs';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The CSR on `page` invites a customer; returns the code and link the dialog shows. */
async function invite(page) {
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  const link = await page.locator('#invitation-link').inputValue();
  await page.getByRole('button', { name: 'Done' }).click();
  return { code, link };
}

scenario('download_agent', async (t) => {
  const { page, browser } = t;
  await signIn(page, 'alice');
  const session = await startSession(page, 'CASE-DL');
  const bobContext = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const bob = await bobContext.newPage();
  await signIn(bob, 'bob');
  await startSession(bob, 'CASE-OTHER');
  await invite(bob);
  const { code, link } = await invite(page);
  log(`Alice's invitation: ${code} ${link}`);

  // The customer's own browser: no sign-in, nothing shared with the CSRs'.
  const customerContext = await browser.newContext({ viewport: { width: 900, height: 1040 }, acceptDownloads: true });
  const customer = await customerContext.newPage();
  await customer.goto(link);
  await customer.getByRole('heading', { name: 'Join your support session' }).waitFor();
  check((await customer.locator('.code').textContent()) === code, `the page shows the code Alice reads out (${code})`);
  const button = customer.getByRole('link', { name: 'Download the support agent (Linux, 64-bit)' });
  check(await button.isVisible(), 'the download is offered');
  await shot(customer, 'join-page');
  const [download] = await Promise.all([customer.waitForEvent('download', { timeout: WAIT }), button.click()]);
  check(download.suggestedFilename() === 'support-agent', `saved as support-agent (${download.suggestedFilename()})`);
  const home = join(env.work, 'customer-home');
  mkdirSync(home, { recursive: true });
  const exe = join(home, 'support-agent');
  await download.saveAs(exe);
  check(await download.failure() === null, 'the download completed');
  log(`downloaded ${statSync(exe).size} bytes`);

  // What the page tells the customer to do: make it executable, then open it.
  chmodSync(exe, 0o755);
  const agent = new Agent(null, [], null, { exe, home });
  t.agents.push(agent);
  await agent.expect(`downloaded for an invitation from ${env.base}`);
  // Under Xvfb it opens the customer's window (no terminal output): the consoles tell where it is.
  const listed = page.locator('#participants li[data-role=customer]');
  await listed.locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });
  const name = (await listed.locator('.pname').textContent()).trim();
  check(name.length > 0, `Alice's console lists the customer (${name})`);
  await bob.waitForTimeout(500);
  check(await bob.locator('#participants li[data-role=customer]').count() === 0, "Bob's session has no customer");
});
