// The whole path of a customer (issue 13; S2, S7, S9, S10, S11, S21), as a customer takes it:
// Alice invites in Chromium (Bob has an invitation open for another session at the same time);
// the customer opens the link in their own browser, downloads the agent with the page's button,
// makes it executable and opens it with no arguments on Xvfb. The window joins Alice's session
// by itself. Alice asks to see the desktop; the customer presses "Allow once" (found over
// AT-SPI) and the console shows the desktop; the always-on-top bar says so, and its Stop (found
// by its text on screen) ends the CSR's view within 200 ms. Alice's camera shows in the window,
// and the customer's own camera, shared back, is previewed; chat goes both ways and a file offer
// is downloaded through the window with its progress row; closing asks, then leaves.
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, check, tab, waitForPattern, makeFile, sha256, env, shot, WAIT, log, FAKE_MEDIA, invite } from './lib.mjs';
import { WindowAgent } from './window_lib.mjs';

const STOP_LIMIT_MS = 200;

scenario('window', async (t) => {
  const { page, browser } = t;
  await signIn(page, 'alice');
  await startSession(page, 'CASE-WIN');
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

  // What the page tells the customer to do: make it executable, then open it (no arguments).
  chmodSync(exe, 0o755);
  const win = new WindowAgent(home);
  t.agents.push(win);
  const joinedMs = await win.open({ exe, until: 'Who is here' });
  log(`the downloaded agent's window shows the session ${joinedMs} ms after start`);
  await win.wait('Alice (support)');
  const listed = page.locator('#participants li[data-role=customer]');
  await listed.locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });
  const name = (await listed.locator('.pname').textContent()).trim();
  check(name.length > 0, `Alice's console lists the customer (${name})`);
  await win.wait(`${name} (you)`);
  check(await bob.locator('#participants li[data-role=customer]').count() === 0, "Bob's session has no customer");
  log('the window joined Alice\'s session by itself');
  // Out of the way of the quadrants the console's picture is checked at (no window manager).
  win.moveWindow(380, 40);

  // S10, S21: the customer allows the view in the window.
  await tab(page, 'share');
  await page.locator('#share-screen_view').click();
  await win.wait('Alice (support) asks to see your screen');
  win.shot('window-asks');
  win.click('Allow once');
  await waitForPattern(page);
  log('the console shows the customer\'s desktop');
  const bar = await win.bar();
  check(bar.title.includes('Alice sees your screen'), `the bar says who sees the screen (${bar.title})`);
  await win.wait('Alice may see your screen — until it stops, in use now');
  win.shot('window-bar');

  // Stop on the bar: the console's view ends within STOP_LIMIT_MS.
  await page.evaluate(() => {
    window.viewStoppedAt = null;
    new MutationObserver(() => {
      if (!window.viewStoppedAt && document.querySelector('#share-state.revoked')) window.viewStoppedAt = Date.now();
    }).observe(document.body, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  win.aimAtBarWord(bar.id, 'Stop');
  const clickedAt = Date.now();
  win.press();
  await page.locator('#share-state.revoked').waitFor({ timeout: 5000 });
  const stoppedMs = (await page.evaluate(() => window.viewStoppedAt)) - clickedAt;
  log(`WINDOW_STOP_TO_VIEW_STOPPED_MS ${stoppedMs}`);
  check(stoppedMs <= STOP_LIMIT_MS, `the CSR's view stopped ${stoppedMs} ms after Stop on the bar (limit ${STOP_LIMIT_MS})`);
  check(await page.evaluate(() => document.getElementById('share-video').srcObject === null), 'the video stopped');
  const deadline = Date.now() + WAIT;
  while (win.barWindow() !== null && Date.now() < deadline) await page.waitForTimeout(50);
  check(win.barWindow() === null, 'the bar is gone');
  await win.wait('Nothing. Support asks here before seeing or doing anything.');

  // S9: Alice's camera appears in the window.
  await tab(page, 'av');
  await page.locator('#video-start').click();
  await page.locator('#video-state', { hasText: 'Your video is shown to the customer' }).waitFor({ timeout: WAIT });
  await win.wait("Alice's camera");
  win.shot('window-video');
  log('the window shows Alice\'s camera');
  const shown = win.names();
  check(!shown.includes('Type `'), `the window names its buttons, never terminal commands:\n${shown}`);

  // S9: the customer shares their camera on their own; the window previews what it sends.
  win.click('Share my camera');
  await page.locator('#video-state', { hasText: /Showing .*'s camera\./ }).waitFor({ timeout: WAIT });
  await win.wait('What your camera sends');
  await win.wait('Alice may turn on your camera');
  win.shot('window-own-camera');
  log('the window previews the camera it sends');

  // S7: chat both ways through the window.
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello, I can see your request.');
  await page.locator('#chat-send').click();
  await win.wait('Alice to everyone: Hello, I can see your request.');
  win.fill('Message', 'Thanks, the printer says E42.');
  win.click('Send');
  await page.locator('#chat-log li', { hasText: 'Thanks, the printer says E42.' }).waitFor({ timeout: WAIT });
  win.shot('window-chat');
  log('chat went both ways');

  // S11: a file offer shows its name, size and where it is saved; downloaded from the window.
  await tab(page, 'files');
  const manual = join(env.work, 'manual.pdf');
  const manualSha = makeFile(manual, 1024 * 1024 + 5);
  await page.locator('#offer-files').setInputFiles(manual);
  const offer = await win.wait('offers you a file');
  check(offer.includes('manual.pdf') && offer.includes('1.0 MiB') && offer.includes('Saved to'), `the offer says what and where (${offer})`);
  win.shot('window-file-offer');
  win.click('Download');
  const row = page.locator('#transfers tr', { hasText: 'manual.pdf' });
  await row.locator('.state.done').waitFor({ timeout: WAIT });
  check(sha256(join(win.downloads, 'manual.pdf')) === manualSha, 'the downloaded file has the SHA-256 of the offered one');
  const done = await win.wait('manual.pdf from Alice: 1.0 MiB, done');
  log(`the window's transfer row: ${done}`);
  log('the file offer went through the window');

  // Closing asks, then leaves cleanly.
  win.click('Leave');
  await win.wait('Leave the support session?');
  win.shot('window-leave');
  win.click('Leave the session');
  const code0 = await new Promise((resolve) => {
    if (win.agent.exitCode !== null) resolve(win.agent.exitCode);
    win.agent.on('exit', (c) => resolve(c));
    setTimeout(() => resolve('still running'), WAIT);
  });
  check(code0 === 0, `the agent closed after leaving (exit ${code0})`);
  await listed.filter({ hasText: name }).waitFor({ state: 'detached', timeout: WAIT }).catch(async () => {
    const text = await page.locator('#participants').innerText();
    check(!text.includes(`${name}\nconnected`), `the console no longer shows ${name} connected (${text})`);
  });
  log('the customer left from the window');
}, { chromiumArgs: FAKE_MEDIA });
