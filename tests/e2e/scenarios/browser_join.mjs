// Issue 14: a customer joins in the browser, without a download. Two Chromium contexts: the
// CSR's console and the customer's page. The customer opens the invitation link, chooses "Join
// in your browser", types a name and is in the session (the console says "in the browser");
// chat both ways with send-to; a request to control the screen is answered by the page (it
// needs the agent) and the console says so in words; a reload is the same seat with the chat
// so far; Leave asks, then leaves; and a second customer joins by the code on the code page.
// What the page does over WebRTC is in browser_peer.mjs.
import { scenario, signIn, startSession, check, shot, tab, env, WAIT, invite, joinInBrowser, Agent, eventually } from './lib.mjs';

const NEEDS_AGENT = 'Needs the support agent (the customer joined in the browser)';

scenario('browser_join', async (t) => {
  const { page, browser } = t;
  await signIn(page);
  await startSession(page);
  const { link } = await invite(page);

  // The customer, in a browser of their own (another context: no cookie, no storage shared).
  const cust = await joinInBrowser(browser, link, 'Dana');
  await cust.locator('#who-is-here li', { hasText: 'Alice (support)' }).waitFor({ timeout: WAIT });
  await cust.locator('#who-is-here li', { hasText: 'Dana (you)' }).waitFor({ timeout: WAIT });
  check(!cust.url().includes('#invitation='), `the used invitation left the address (${cust.url()})`);
  check((await cust.locator('#allowed-now').textContent()).includes('Nothing.'), 'nothing is allowed yet');
  check(await cust.locator('#stop-everything').isDisabled(), '"Stop everything" waits until something is allowed');

  // The console: Dana in the browser, the agent's tools off with the reason.
  const dana = page.locator('#participants li[data-role=customer]', { hasText: 'Dana' });
  await dana.locator('.tag', { hasText: 'in the browser' }).waitFor({ timeout: WAIT });
  const danaId = await dana.getAttribute('data-id');
  const share = page.locator('#share-remote_control');
  check(await share.isDisabled(), 'controlling the screen is off for a browser customer');
  check((await share.getAttribute('title')) === NEEDS_AGENT, `the button says why (${await share.getAttribute('title')})`);
  await tab(page, 'sysinfo');
  await page.locator('#sysinfo-browser-note', { hasText: 'what a browser can tell' }).waitFor({ timeout: WAIT });
  await tab(page, 'files');
  check(await page.locator('#open-advanced').isDisabled(), "the customer's folder is off for a browser customer");

  // Chat both ways, to everyone and to one person (S7).
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello Dana, I can see your request.');
  await page.locator('#chat-send').click();
  await cust.locator('#chat-log li', { hasText: 'Hello Dana, I can see your request.' }).filter({ hasText: 'Alice (support) → everyone' }).waitFor({ timeout: WAIT });
  await page.locator('#chat-to').selectOption(danaId);
  await page.locator('#chat-text').fill('Just between us.');
  await page.locator('#chat-send').click();
  await cust.locator('#chat-log li', { hasText: 'Just between us.' }).filter({ hasText: 'Alice (support) → you' }).waitFor({ timeout: WAIT });
  await cust.locator('#chat-to').selectOption({ label: 'Alice (support)' });
  await cust.locator('#chat-text').fill('Thanks, the printer says E42.');
  await cust.locator('#chat-send').click();
  const line = page.locator('#chat-log li', { hasText: 'Thanks, the printer says E42.' });
  await line.waitFor({ timeout: WAIT });
  check((await line.locator('.meta').textContent()).includes('Dana → you'), 'the customer wrote to Alice only');
  await cust.locator('#chat-log li', { hasText: 'Thanks, the printer says E42.' }).filter({ hasText: 'You → Alice' }).waitFor({ timeout: WAIT });

  // A request to control the screen, as a console that does not know the roster's `client` yet
  // (an older one) would still send: the page answers it, says why, and the console says so.
  await tab(page, 'share');
  await share.evaluate((b) => { b.disabled = false; });
  await share.click();
  const asked = cust.locator('dialog .question.needs-agent');
  await asked.waitFor({ timeout: WAIT });
  check((await asked.textContent()).includes('Alice (support) asks to see and control your screen.'), 'the page asks in the product\'s words');
  check((await asked.textContent()).includes('needs the support agent'), 'the page says it needs the agent');
  await page.locator('#share-state', { hasText: 'needs the support agent' }).waitFor({ timeout: WAIT });
  await shot(cust, 'customer-page');
  await asked.getByRole('button', { name: 'OK' }).click();
  await cust.locator('#what-happened li', { hasText: 'your browser answered no' }).waitFor({ timeout: WAIT });

  // A reload is the same seat: the same participant back, with the chat so far.
  await cust.reload();
  await cust.locator('#who-is-here li', { hasText: 'Dana (you)' }).waitFor({ timeout: WAIT });
  await cust.locator('#chat-log li', { hasText: 'Hello Dana, I can see your request.' }).waitFor({ timeout: WAIT });
  await dana.locator('.tag', { hasText: 'in the browser' }).waitFor({ timeout: WAIT });
  check((await page.locator('#participants li[data-role=customer]').count()) === 1, 'still one customer after the reload');
  check((await dana.getAttribute('data-id')) === danaId, 'the same participant came back');
  check(!(await cust.locator('dialog').count()), 'the answered question is not asked again after the reload');

  // Leave asks first; "Stay" stays, "Leave the session" leaves.
  await cust.locator('#leave').click();
  await cust.locator('#leave-stay').click();
  check(await cust.locator('#who-is-here').isVisible(), 'Stay keeps the customer in the session');
  await cust.locator('#leave').click();
  await cust.locator('#leave-confirm').click();
  await cust.locator('#session-over', { hasText: 'You left the session' }).waitFor({ timeout: WAIT });
  await page.locator('#participants li[data-role=customer]').waitFor({ state: 'detached', timeout: WAIT });
  await cust.reload();
  await cust.locator('#join-name').waitFor({ timeout: WAIT });
  check(!(await cust.locator('#who-is-here').count()), 'after leaving, a reload does not rejoin');

  // By code, on the code page, in yet another browser.
  const { code } = await invite(page);
  const other = await (await browser.newContext()).newPage();
  await other.goto(`${env.base}/join`);
  await other.locator('#join-code').fill(code);
  await other.locator('#join-name').fill('Eve');
  await other.locator('#join-button').click();
  await other.locator('#who-is-here li', { hasText: 'Eve (you)' }).waitFor({ timeout: WAIT });
  const eve = page.locator('#participants li[data-role=customer]', { hasText: 'Eve' });
  await eve.locator('.tag', { hasText: 'in the browser' }).waitFor({ timeout: WAIT });
  const eveId = await eve.getAttribute('data-id');

  // Eve takes her seat to the support agent (the page's "Continue in the support agent"): the
  // agent already on her computer joins with the code shown — as the same customer, under her
  // name; the page says where the session went on.
  await other.locator('#continue-in-agent').click();
  const seatCode = (await other.locator('#agent-code').textContent()).trim();
  check(/^\d{3} \d{3} \d{3}$/.test(seatCode), `a code for an agent already installed (${seatCode})`);
  check((await other.locator('#agent-download').getAttribute('href')).endsWith('/agent'), 'and the download for this seat');
  const agent = new Agent(seatCode, [], 'Someone else');
  t.agents.push(agent);
  await agent.expect('Connected to support session');
  await eventually(page, 'Eve now shows in the agent, the same participant',
    async () => [await eve.getAttribute('data-id'), await eve.locator('.tag', { hasText: 'in the browser' }).count()],
    ([id, inBrowser]) => id === eveId && inBrowser === 0);
  check((await page.locator('#participants li[data-role=customer]', { hasText: 'Someone else' }).count()) === 0, 'under her name, not the agent\'s');
  await other.locator('#session-over', { hasText: 'You now continue in the support agent' }).waitFor({ timeout: WAIT });
  // Support asks again in the agent: the agent prints the question.
  await page.locator('#share-screen_view').click();
  await agent.expect('Alice (support) asks to see your screen');
});
