// Scenario (S8, S9, issue 19 finding 6): a customer who joins after the audio conference and the
// CSR's video started is asked to join the audio (their agent prompts for the microphone) and
// sees the CSR's video, without the CSR doing anything again. A second CSR who comes in later
// is asked to join the conference too; joining it, they ask each customer for their microphone
// under their own name (a grant of their own, S21) and hear them.
import { scenario, signIn, startSession, inviteAgent, inviteCsrLive, tab, WAIT, log, FAKE_MEDIA, Agent } from './lib.mjs';

scenario('late_customer_joins_call', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const first = await inviteAgent(t);

  // The audio conference and the CSR's video run with the first customer.
  await tab(page, 'av');
  await page.locator('#audio-join').click();
  await first.expect('Alice (support) asks to use your microphone');
  first.type('y');
  await page.locator('#audio-state', { hasText: 'You are in the audio conference with Dana.' }).waitFor({ timeout: WAIT });
  await page.locator('#video-start').click();
  await page.locator('#video-state', { hasText: 'Your video is shown to the customer' }).waitFor({ timeout: WAIT });
  await first.expect("Alice's video is showing");
  log('audio and video run with the first customer');

  // A second customer joins now: asked for their microphone, shown the CSR's video.
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  const late = new Agent(code);
  t.agents.push(late);
  await late.expect('Connected to support session');
  await late.expect('Alice (support) asks to use your microphone');
  late.type('y');
  await late.expect('No microphone is used');
  await late.expect("Alice's video is showing", WAIT);
  log('the late customer was asked to join the audio and sees the CSR\'s video');

  // Bob comes in while the conference runs: his console asks him to join it.
  const { page: bob, context } = await inviteCsrLive(t, page);
  await bob.locator('.toast', { hasText: 'Alice is in the audio conference.' }).waitFor({ timeout: WAIT });
  await tab(bob, 'av');
  await bob.locator('#audio-state', { hasText: 'Alice is in the audio conference. Join it with "Join audio (VoIP)".' }).waitFor({ timeout: WAIT });
  await bob.locator('#participants li[data-role=csr]', { hasText: 'Alice' }).locator('.doing', { hasText: 'audio conference' }).waitFor({ timeout: WAIT });
  await bob.locator('#audio-join').click();
  for (const agent of [first, late]) {
    await agent.expect('Bob (support) asks to use your microphone');
    agent.type('y');
  }
  await bob.locator('#audio-state', { hasText: 'You are in the audio conference with' }).waitFor({ timeout: WAIT });
  await page.locator('#participants li[data-role=csr]', { hasText: 'Bob' }).locator('.doing', { hasText: 'audio conference' }).waitFor({ timeout: WAIT });
  log('Bob was asked to join the conference, joined it and hears the customers under his own grants');

  // Leaving the conference takes him off the list; Alice stays in it.
  await bob.locator('#audio-leave').click();
  await page.locator('#participants li[data-role=csr]', { hasText: 'Bob' }).locator('.doing').waitFor({ state: 'detached', timeout: WAIT });
  await page.locator('#participants li[data-role=csr]', { hasText: 'Alice' }).locator('.doing', { hasText: 'audio conference' }).waitFor({ timeout: WAIT });
  await context.close();
}, { chromiumArgs: FAKE_MEDIA });
