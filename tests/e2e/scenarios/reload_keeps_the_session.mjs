// Issue 19, finding 4: a console reload keeps the live session's state. Chat both ways, a file
// offered and downloaded, the desktop viewed under an "allow once" grant; then the page reloads. The chat
// lines are back (from signaling's record), the transfer is listed, and the desktop view goes on
// under the grant that is still live, without a new prompt to the customer; the roster agrees
// with what runs.
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, log, tab, makeFile, env, waitForPattern, WAIT } from './lib.mjs';

scenario('reload_keeps_the_session', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello Dana, before the reload.');
  await page.locator('#chat-send').click();
  await agent.expect('[chat] Alice → everyone: Hello Dana, before the reload.');
  agent.type('chat Hi Alice, the printer says E42.');
  await page.locator('#chat-log li', { hasText: 'the printer says E42.' }).waitFor({ timeout: WAIT });

  await tab(page, 'files');
  const manual = join(env.work, 'manual.pdf');
  makeFile(manual, 200 * 1024);
  await page.locator('#offer-files').setInputFiles(manual);
  await agent.expect('offers file 1: manual.pdf');
  agent.type('y');
  await page.locator('#transfers tr', { hasText: 'manual.pdf' }).locator('.state.done').waitFor({ timeout: WAIT });

  await tab(page, 'share');
  await page.locator('#share-screen_view').click();
  await agent.expect('asks to see your screen');
  agent.type('once');
  await waitForPattern(page);
  const prompts = () => agent.lines.filter((l) => l.includes(' asks to ')).length;
  const asked = prompts();
  log('before the reload: chat both ways, a file offered, the desktop viewed');

  await page.reload();
  await page.locator('#participants li[data-role=customer] .tag', { hasText: 'connected' }).waitFor({ timeout: WAIT });

  // The desktop view goes on under the live grant: the pattern again, the roster says so.
  await tab(page, 'share');
  await waitForPattern(page);
  await page.locator('#participants li[data-role=csr] .doing', { hasText: 'view desktop' }).waitFor({ timeout: WAIT });
  check(prompts() === asked, `the customer was not asked again (${agent.lines.filter((l) => l.includes(' asks to ')).join(' | ')})`);
  log('after the reload: the desktop view resumed without a new prompt');

  await tab(page, 'chat');
  await page.locator('#chat-log li', { hasText: 'Hello Dana, before the reload.' }).waitFor({ timeout: WAIT });
  await page.locator('#chat-log li', { hasText: 'the printer says E42.' }).waitFor({ timeout: WAIT });
  check((await page.locator('#chat-log li').count()) === 2, 'each chat line is shown once');

  await tab(page, 'files');
  const row = page.locator('#transfers tr', { hasText: 'manual.pdf' });
  await row.waitFor({ timeout: WAIT });
  check((await row.locator('.state').textContent()).includes('downloaded by the customer as manual.pdf'), 'the transfer keeps its outcome');
  // Offering files stopped with the page (its files went with it): the roster agrees.
  await page.locator('#participants li[data-role=csr] .doing', { hasText: 'offered files' }).waitFor({ state: 'detached', timeout: WAIT });

  // Stopping the view still works, and then the grant allowed once has ended (S21).
  await tab(page, 'share');
  await page.locator('#share-stop').click();
  await page.locator('#participants li[data-role=csr] .doing').waitFor({ state: 'detached', timeout: WAIT });
  await page.locator('#share-screen_view').click();
  await agent.expect('asks to see your screen');
  log('after stopping, the customer is asked again: the grant allowed once has ended');
});
