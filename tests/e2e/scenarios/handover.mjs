// S17, S18: the host invites a second CSR and hands control over; the former host's console
// switches to the non-host view (banner, End disabled, Leave enabled); the new host ends the
// session.
import { scenario, signIn, startSession, inviteCsr, check, shot, WAIT } from './lib.mjs';

scenario('handover', async (t) => {
  const { page } = t;
  await signIn(page, 'alice');
  const session = await startSession(page, 'CASE-2001');
  const { page: bob, context: bobContext } = await inviteCsr(t, page, session);
  await bob.locator('#participants li[data-role=csr]').nth(1).waitFor({ timeout: WAIT });
  check(await bob.locator('#end-session').isDisabled(), 'a CSR without control cannot end the session');
  check(await bob.locator('#host-banner').isVisible(), 'a CSR without control sees who holds it');

  const bobEntry = page.locator('#participants li[data-role=csr]', { hasText: 'Bob' });
  await bobEntry.locator('.dot').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('#participants li')].some((li) => li.textContent.includes('Bob') && li.classList.contains('online')), null, { timeout: WAIT });
  await bobEntry.getByRole('button', { name: 'Give control' }).click();
  await page.getByRole('button', { name: 'Transfer control' }).click();

  // The former host: non-host view, End disabled, Leave possible.
  await page.locator('#host-banner', { hasText: 'Bob holds control' }).waitFor({ timeout: WAIT });
  check(await page.locator('#end-session').isDisabled(), 'the former host cannot end the session');
  check(!(await page.locator('#leave-session').isDisabled()), 'the former host may leave');
  check(await page.locator('#invite-customer').isEnabled(), 'inviting customers stays possible');
  await shot(page, 'non-host');
  // The new host ends it.
  await bob.locator('#end-session:not([disabled])').waitFor({ timeout: WAIT });
  await bob.locator('#end-session').click();
  await bob.locator('#end-notes').fill('Handed over to Bob, who closed the case.');
  await bob.locator('#confirm-end').click();
  await bob.locator('#history-detail').waitFor({ timeout: WAIT });
  await page.locator('#history-detail').waitFor({ timeout: WAIT });
  check((await page.locator('#history-notes').textContent()).includes('Handed over to Bob'), 'the former host sees the ended session with its notes');
  await bobContext.close();
});
