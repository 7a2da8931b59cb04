// S17, S7: the host invites a second CSR who is signed in on the start page: Bob's console shows
// "Alice invites you to session CASE-4711" with Join at once, and after joining Bob sees the
// chat said before he came (from the session record), but not what was said to someone else.
import { scenario, signIn, startSession, inviteAgent, inviteCsrLive, check, tab, WAIT, log } from './lib.mjs';

scenario('csr_invite_notice', async (t) => {
  const { page } = t;
  await signIn(page, 'alice');
  await startSession(page, 'CASE-4711');
  const agent = await inviteAgent(t);
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello Dana, I am looking at your printer.');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → everyone: Hello Dana, I am looking at your printer.');
  agent.type('chat It says E42 since this morning.');
  await page.locator('#chat-log li', { hasText: 'It says E42 since this morning.' }).waitFor({ timeout: WAIT });
  const dana = await page.locator('#chat-to option', { hasText: 'Dana' }).getAttribute('value');
  await page.locator('#chat-to').selectOption(dana);
  await page.locator('#chat-text').fill('Only for Dana.');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → you: Only for Dana.');
  await page.locator('#chat-to').selectOption('');

  const { page: bob, context } = await inviteCsrLive(t, page);
  log('Bob got the notice and joined');
  await tab(bob, 'chat');
  await bob.locator('#chat-log li', { hasText: 'Hello Dana, I am looking at your printer.' }).waitFor({ timeout: WAIT });
  await bob.locator('#chat-log li', { hasText: 'It says E42 since this morning.' }).waitFor({ timeout: WAIT });
  const lines = await bob.locator('#chat-log li').allTextContents();
  check(lines.length === 2 && lines[0].includes('Alice → everyone') && lines[1].includes('Dana → everyone'), `Bob sees the chat so far, in order, with who said it (${JSON.stringify(lines)})`);
  check(!lines.some((l) => l.includes('Only for Dana.')), 'what was said to Dana alone is not shown to Bob');
  check(await bob.locator('#csr-notices .notice-card').count() === 0, 'the notice is gone once Bob joined');

  // The chat goes on live for Bob too.
  await page.locator('#chat-text').fill('Bob joins us.');
  await page.locator('#chat-send').click();
  await bob.locator('#chat-log li', { hasText: 'Bob joins us.' }).waitFor({ timeout: WAIT });
  await context.close();
});
