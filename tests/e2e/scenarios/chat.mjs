// Scenario 2 (S7): chat both ways, to everyone and to one participant, with unread counts.
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, eventually, WAIT } from './lib.mjs';

scenario('chat', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello Dana, I can see your request.');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → everyone: Hello Dana, I can see your request.');
  // Only to Dana.
  const dana = await page.locator('#chat-to option', { hasText: 'Dana' }).getAttribute('value');
  await page.locator('#chat-to').selectOption(dana);
  await page.locator('#chat-text').fill('Just between us.');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → you: Just between us.');
  // The customer answers while the CSR looks at another panel: an unread count shows.
  await tab(page, 'sysinfo');
  agent.type('chat Thanks, the printer says E42.');
  await page.locator('#tab-chat .badge', { hasText: '1' }).waitFor({ timeout: WAIT });
  agent.type('@Alice only for you');
  await page.locator('#tab-chat .badge', { hasText: '2' }).waitFor({ timeout: WAIT });
  await tab(page, 'chat');
  check(await page.locator('#tab-chat .badge').isHidden(), 'opening the chat clears the unread count');
  await page.locator('#chat-log li', { hasText: 'Thanks, the printer says E42.' }).waitFor({ timeout: WAIT });
  const last = page.locator('#chat-log li').last();
  await last.filter({ hasText: 'only for you' }).waitFor({ timeout: WAIT });
  check((await last.locator('.meta').textContent()).includes('Dana → you'), 'the private message is marked as to me');
  await shot(page, 'chat');

  // Issue 16: a canned message, kept once and put in the box by its key.
  await page.locator('#manage-snippets').click();
  await page.locator('#snippet-key').fill('printer');
  await page.locator('#snippet-text').fill('Please switch the printer off, wait ten seconds, and switch it on again.');
  await page.locator('#snippet-add').click();
  await page.locator('.snippets-manager tr[data-key=printer]').waitFor({ timeout: WAIT });
  await page.locator('#snippets-close').click();
  await page.locator('#chat-text').fill('');
  await page.locator('#chat-text').pressSequentially('/pri');
  await page.locator('#snippet-list [role=option]', { hasText: '/printer' }).waitFor({ timeout: WAIT });
  await page.locator('#chat-text').press('Enter');
  await eventually(page, 'the canned message is in the box, to read over', () => page.locator('#chat-text').inputValue(),
    (v) => v.startsWith('Please switch the printer off'));
  await page.locator('#chat-to').selectOption('');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → everyone: Please switch the printer off, wait ten seconds, and switch it on again.');
});
