// Scenario (S8, S9, S21): audio and video. "Start my video" stays disabled until a customer has
// joined. The CSR joins the audio conference with the browser's (generated) microphone; the
// customer allows theirs and the console shows them speaking (the agent sends a tone); the CSR
// mutes. The CSR's video reaches the agent, which says so; the customer's camera (the agent's
// test picture on this machine) shows in the console once allowed. Revoking the microphone in
// the agent ends the "speaking" indication.
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, log, FAKE_MEDIA, WAIT, videoPixels } from './lib.mjs';

const customerRow = '#participants li[data-role=customer]';

/** Pixels of the rendered customer video on a 8×6 grid, as [r, g, b]; null before a frame. */
const GRID = Array.from({ length: 48 }, (_, i) => [((i % 8) + 0.5) / 8, (Math.floor(i / 8) + 0.5) / 6]);
const customerVideoPixels = (page) => videoPixels(page, 'customer-video', GRID);

/** The test picture's colour bars: many bright pixels, several distinct colours. */
function looksLikeAPicture(px) {
  if (!px) return false;
  const bright = px.filter((p) => p[0] + p[1] + p[2] > 120);
  const colours = new Set(px.map((p) => p.map((v) => v >> 5).join(',')));
  return bright.length >= px.length / 2 && colours.size >= 4;
}

scenario('audio_and_video', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  await tab(page, 'av');

  // S9: no video before a customer has joined.
  check(await page.locator('#video-start').isDisabled(), '"Start my video" is disabled before a customer joined');
  check((await page.locator('#video-start').getAttribute('title')).includes('after a customer has joined'), 'the button says why');
  await page.locator('#video-state', { hasText: 'Video can start only after a customer has joined.' }).waitFor({ timeout: WAIT });

  const agent = await inviteAgent(t, { extra: ['--mic-tone', '440'] });
  await page.waitForFunction(() => !document.getElementById('video-start').disabled, null, { timeout: WAIT });
  log('"Start my video" is enabled once the customer joined');

  // S8: the CSR joins with the browser's microphone; the customer is asked for theirs.
  await page.locator('#audio-join').click();
  await page.locator('#audio-state', { hasText: "Waiting for the customer's permission for their microphone" }).waitFor({ timeout: WAIT });
  await agent.expect('Alice (support) asks to use your microphone');
  agent.type('y');
  await agent.expect('No microphone is used');
  await page.locator('#audio-state', { hasText: 'You are in the audio conference with Dana.' }).waitFor({ timeout: WAIT });
  await page.locator(`${customerRow} .tag.speaking`).waitFor({ timeout: WAIT });
  log('the console shows the customer speaking');

  // The CSR mutes: the state says so and their own row never shows them speaking.
  await page.locator('#audio-mute').click();
  await page.locator('#audio-state', { hasText: 'You are muted.' }).waitFor({ timeout: WAIT });
  check((await page.locator('#audio-mute').textContent()) === 'Unmute', 'the button offers to unmute');
  await page.waitForTimeout(1000);
  check((await page.locator('#participants li[data-role=csr] .tag.speaking').count()) === 0, 'a muted CSR is not shown speaking');
  check((await page.locator(`${customerRow} .tag.speaking`).count()) === 1, 'the customer is still shown speaking');
  log('the CSR is muted');

  // S9: the CSR's video reaches the customer's agent.
  await page.locator('#video-start').click();
  await page.locator('#video-state', { hasText: 'Your video is shown to the customer' }).waitFor({ timeout: WAIT });
  check(await page.locator('#video-start').isDisabled(), '"Start my video" is disabled while it runs');
  check(await page.locator('#video-stop').isVisible(), '"Stop my video" is offered');
  const shown = await agent.expect("Alice's video is showing");
  log(`the agent says: ${shown}`);

  // The customer's camera, after their grant: the agent's test picture in the console.
  await page.locator('#camera-ask').click();
  await page.locator('#video-state', { hasText: "Waiting for the customer's permission for their camera" }).waitFor({ timeout: WAIT });
  await agent.expect('Alice (support) asks to turn on your camera');
  agent.type('y');
  await agent.expect('a test picture is sent instead');
  await page.locator('#video-state', { hasText: "Showing Dana's camera." }).waitFor({ timeout: WAIT });
  const deadline = Date.now() + WAIT;
  let px = null;
  while (Date.now() < deadline && !looksLikeAPicture(px)) {
    await page.waitForTimeout(200);
    px = await customerVideoPixels(page);
  }
  check(looksLikeAPicture(px), `the customer's video shows a picture (saw ${JSON.stringify(px)})`);
  log('the console shows the customer\'s camera');
  await shot(page, 'audio-video');

  // S21: the customer takes the microphone back; the speaking indication ends.
  agent.type('revoke microphone');
  // Said by signaling's event or the agent's media_stopped, whichever arrives last.
  await page.locator('#audio-state', { hasText: /The customer revoked permission: (their|the customer's) microphone stopped\./ }).waitFor({ timeout: WAIT });
  await page.locator(`${customerRow} .tag.speaking`).waitFor({ state: 'detached', timeout: 10_000 });
  await page.waitForTimeout(1500);
  check((await page.locator(`${customerRow} .tag.speaking`).count()) === 0, 'the customer stays silent after revoking the microphone');
  log('revoking the microphone ended the speaking indication');

  // The CSR stops their video: the customer's camera keeps showing, the button comes back.
  await page.locator('#video-stop').click();
  await page.waitForFunction(() => !document.getElementById('video-start').disabled, null, { timeout: WAIT });
  await page.waitForTimeout(1500); // the renegotiation that removes the CSR's video
  const frames = () => page.evaluate(() => document.getElementById('customer-video').getVideoPlaybackQuality().totalVideoFrames);
  const before = await frames();
  await page.waitForTimeout(1000);
  const after = await frames();
  check(after > before, `the customer's camera still plays (${before} then ${after} frames)`);
  check((await page.locator(`${customerRow} .tag`, { hasText: 'connected' }).count()) === 1, 'the connection to the agent stays up');
  log('the CSR stopped their video; the customer\'s camera goes on');
}, { chromiumArgs: FAKE_MEDIA });
