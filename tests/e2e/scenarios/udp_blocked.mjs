// Issue 15: a customer whose network drops every UDP packet and lets TCP out only to 443 (and to
// the support site) still gets help. Signaling hands out coturn over UDP, TCP and TLS on 443 in
// that order; the agent's UDP and TCP 3478 attempts die at the firewall and it reaches the
// console through coturn's TLS listener. The CSR views the desktop, controls it, chats both ways
// and sends a file, as in any session.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, tab, viewScreen, clickAndSeeThePointerMove, makeFile, sha256, log, env, WAIT } from './lib.mjs';

scenario('udp_blocked', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  await viewScreen(page, agent);
  log('the console shows the customer\'s screen through TURN over TLS');
  const turn = readFileSync(env.turnLog, 'utf8');
  check(/TLS/.test(turn), `coturn served a TLS client (log:\n${turn.slice(-2000)})`);
  check(/ALLOCATE processed, success/.test(turn), 'coturn allocated a relay');
  check(/CREATE_PERMISSION processed, success|CHANNEL_BIND processed, success/.test(turn), 'coturn relayed between the peers');

  // Control: the view ends, control starts; a click lands on the customer's screen.
  await page.locator('#share-stop').click();
  await page.locator('#share-remote_control:enabled').waitFor({ timeout: WAIT });
  await page.locator('#share-remote_control').click();
  await agent.expect('asks to see and control your screen');
  agent.type('y');
  await page.locator('#share-surface.control').waitFor({ timeout: WAIT });
  await clickAndSeeThePointerMove(page);
  log('a click in the console moved the customer\'s pointer');

  // Chat both ways.
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Can you see the printer dialog?');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → everyone: Can you see the printer dialog?');
  agent.type('chat Yes, it says offline.');
  await page.locator('#chat-log li', { hasText: 'Yes, it says offline.' }).waitFor({ timeout: WAIT });

  // A file to the customer, whole.
  await tab(page, 'files');
  const driver = join(env.work, 'printer-driver.deb');
  const sum = makeFile(driver, 2 * 1024 * 1024 + 11);
  await page.locator('#offer-files').setInputFiles(driver);
  await agent.expect('offers file 1: printer-driver.deb');
  agent.type('y');
  await page.locator('#transfers tr', { hasText: 'printer-driver.deb' }).locator('.state.done').waitFor({ timeout: WAIT });
  check(sha256(join(agent.downloads, 'printer-driver.deb')) === sum, 'the file arrived with the same SHA-256');
  log('chat and a file went through the relay');
});
