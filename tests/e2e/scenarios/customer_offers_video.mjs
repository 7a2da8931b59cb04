// Scenario (S9, S21, issue 19 finding 6): the customer shares their camera back on their own.
// When the CSR's video starts, the agent offers the customer to share theirs back; the customer
// types `camera on` and the console shows their camera without the CSR having asked (the offer
// is the customer's grant, recorded by signaling). `revoke camera` stops it.
import { scenario, signIn, startSession, inviteAgent, check, tab, WAIT, log, FAKE_MEDIA, videoPixels, startCsrVideo } from './lib.mjs';

/** The camera's test picture: colour bars, several distinct bright colours across a row. */
const ROW = Array.from({ length: 8 }, (_, i) => [(i + 0.5) / 8, 0.3]);
function looksLikeBars(px) {
  if (!px) return false;
  const colours = new Set(px.map((p) => p.map((v) => v >> 5).join(',')));
  return colours.size >= 4 && px.filter((p) => p[0] + p[1] + p[2] > 120).length >= 4;
}

scenario('customer_offers_video', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);

  const offered = await startCsrVideo(page, agent);
  check(offered.includes('Share your camera back? Type `camera on`.'), `the customer is offered to share video back (${offered})`);

  agent.type('camera on');
  await agent.expect('You share your camera with Alice');
  await page.locator('#video-state', { hasText: "Showing Dana's camera." }).waitFor({ timeout: WAIT });
  const deadline = Date.now() + WAIT;
  let px = null;
  while (Date.now() < deadline && !looksLikeBars(px)) {
    await page.waitForTimeout(200);
    px = await videoPixels(page, 'customer-video', ROW);
  }
  check(looksLikeBars(px), `the console shows the customer's camera (saw ${JSON.stringify(px)})`);
  log('the customer shared their camera back without being asked');

  // Their offer is their grant: they take it back like any other.
  agent.type('revoke camera');
  await page.locator('#video-state', { hasText: /the customer's camera stopped|their camera stopped/ }).waitFor({ timeout: WAIT });
  await page.locator('#customer-video').waitFor({ state: 'hidden', timeout: WAIT });
  await page.waitForTimeout(500);
  const problems = agent.lines.filter((l) => l.includes('Problem:'));
  check(problems.length === 0, `signaling took the offer and the revocation (the agent said ${JSON.stringify(problems)})`);
  log('revoking the camera stopped it in the console');
}, { chromiumArgs: FAKE_MEDIA });
