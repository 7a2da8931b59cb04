// S10, the CSR shows their own screen (issue 14): Alice presses "Show my screen" and picks her
// screen in the browser's picker (Chromium's fake capture). Both customers are asked: Dana in
// her window ("Allow once"), Eve in her terminal. Each sees it once she allowed it: Dana's window
// shows the picture (its pixels checked on the X screen), Eve's terminal says so. Dana closes it
// in her window: Alice's console says so and Eve still sees it. Alice stops: Eve is told.
import { scenario, signIn, startSession, check, tab, env, shot, WAIT, log, FAKE_MEDIA, Agent } from './lib.mjs';
import { WindowAgent } from './window_lib.mjs';

/** Chromium's generated picture: a green field (with a moving shape), never black. */
const looksGreen = (px) => Array.isArray(px) && px.filter((p) => p && p[1] > 90 && p[1] > p[0] + 40 && p[1] > p[2] + 40).length >= 2;

scenario('csr_shows_screen', async (t) => {
  const { page } = t;
  await signIn(page, 'alice');
  await startSession(page, 'CASE-SHOW');

  // Dana: the window (an agent already on the computer, told the site).
  await page.locator('#invite-customer').click();
  const danaCode = (await page.locator('#invitation-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  const win = new WindowAgent();
  t.agents.push(win);
  await win.open();
  win.fill('Code', danaCode);
  win.fill('Your name', 'Dana');
  win.click('Join');
  await win.wait('Who is here');
  win.moveWindow(0, 0);

  // Eve: the terminal.
  await page.locator('#invite-customer').click();
  const eveCode = (await page.locator('#invitation-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  const eve = new Agent(eveCode, [], 'Eve');
  t.agents.push(eve);
  await eve.expect('Connected to support session');
  for (const who of ['Dana', 'Eve']) {
    await page.locator('#participants li[data-role=customer]', { hasText: who }).locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });
  }
  log('Dana (window) and Eve (terminal) joined');

  await tab(page, 'share');
  await page.locator('#show-screen-start').click();
  await win.wait('Alice (support) asks to show you their screen');
  await eve.expect('Alice (support) asks to show you their screen');
  win.click('Allow once');
  eve.type('y');
  await page.locator('#show-screen-state', { hasText: 'Dana sees it' }).waitFor({ timeout: WAIT });
  await page.locator('#show-screen-state', { hasText: 'Eve sees it' }).waitFor({ timeout: WAIT });
  await eve.expect('Alice shows you their screen.');
  await win.wait("Alice's screen");
  const points = [[0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9], [0.5, 0.2]];
  let px = null;
  const deadline = Date.now() + WAIT;
  while (Date.now() < deadline && !looksGreen(px)) {
    await page.waitForTimeout(200);
    px = win.pixels("Alice's screen", points);
  }
  check(looksGreen(px), `Dana's window shows Alice's screen (saw ${JSON.stringify(px)})`);
  win.shot('window-csr-screen');
  await shot(page, 'show-my-screen');
  log("Dana's window shows Alice's screen; Eve's terminal says she sees it");

  // Dana closes it in her window; Eve keeps it.
  win.click('Close the screen');
  await win.gone("Alice's screen");
  await page.locator('#show-screen-state', { hasText: 'Dana closed your screen' }).waitFor({ timeout: WAIT });
  check((await page.locator('#show-screen-state').textContent()).includes('Eve sees it'), 'Eve still sees it');
  log('Dana closed it; Eve still sees it');

  // Alice stops: Eve is told; the console says nobody sees it.
  await page.locator('#show-screen-stop').click();
  await eve.expect('Alice stopped showing their screen.');
  await page.waitForTimeout(1500); // pictures still on their way, and the console's next offer
  check(!eve.lines.some((l) => l.includes("Alice's video is showing")), `the screen's last pictures are not taken for Alice's camera:\n${eve.lines.join('\n')}`);
  await page.locator('#show-screen-state', { hasText: 'Your screen is not shown to anyone.' }).waitFor({ timeout: WAIT });
  check(await page.locator('#show-screen-start').isEnabled(), '"Show my screen" is offered again');
  log('Alice stopped; Eve was told');
}, { chromiumArgs: FAKE_MEDIA });
