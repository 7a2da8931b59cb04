// S18, S21 in the console: a grant is the CSR's who asked. Alice controls the customer's
// desktop; after she hands control to Bob, her view stops, the customer is asked once whether
// Bob may carry on; when the customer says no, Bob's "Control desktop" asks the customer anew
// ("Bob (support) asks to see and control your screen"), and only the customer's yes shows him
// the screen.
import { scenario, signIn, startSession, inviteAgent, inviteCsr, check, tab, waitForPattern, WAIT } from './lib.mjs';

async function controlShowsPattern(page) {
  await page.locator('#share-surface.control').waitFor({ timeout: WAIT });
  await waitForPattern(page);
}

scenario('handover_asks_the_customer', async (t) => {
  const { page } = t;
  await signIn(page, 'alice');
  const session = await startSession(page, 'CASE-2002');
  const agent = await inviteAgent(t);
  await tab(page, 'share');
  await page.locator('#share-remote_control').click();
  await agent.expect('Alice (support) asks to see and control your screen.');
  agent.type('y');
  await controlShowsPattern(page);

  const { page: bob, context: bobContext } = await inviteCsr(t, page, session);
  await bob.locator('#participants li[data-role=customer] .tag', { hasText: 'connected' }).waitFor({ timeout: WAIT });
  const bobEntry = page.locator('#participants li[data-role=csr]', { hasText: 'Bob' });
  await page.waitForFunction(() => [...document.querySelectorAll('#participants li')].some((li) => li.textContent.includes('Bob') && li.classList.contains('online')), null, { timeout: WAIT });
  await bobEntry.getByRole('button', { name: 'Give control' }).click();
  await page.getByRole('button', { name: 'Transfer control' }).click();

  // Alice's control ends with her hold on the session; the customer is asked about Bob.
  await page.locator('#share-state', { hasText: 'Sharing stopped' }).waitFor({ timeout: WAIT });
  await agent.expect('Bob (support) has taken over from Alice. Let Bob carry on: see and control your screen?');
  agent.type('n');

  // Bob asks for himself, and the customer is asked again, by his name.
  await tab(bob, 'share');
  await bob.locator('#share-remote_control:not([disabled])').waitFor({ timeout: WAIT });
  await bob.locator('#share-remote_control').click();
  await agent.expect('Bob (support) asks to see and control your screen.');
  // Waited for: Bob's console shows it waits for the customer, and no control view yet.
  await bob.locator('#share-state', { hasText: "waiting for the customer's permission" }).waitFor({ timeout: WAIT });
  check(!(await bob.locator('#share-surface.control').isVisible()), "Bob does not control before the customer's yes");
  agent.type('y');
  await controlShowsPattern(bob);
  await bobContext.close();
});
