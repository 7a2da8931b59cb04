// Benchmark script (benches/browser_screen.rs): in the real console, times from spawning
// `agent join CODE` to the customer in the roster (and to the console's peer being connected),
// then BENCH_GRANTS times: the CSR asks to view the desktop, the customer types "y", and the
// first frame the console's video presents (requestVideoFrameCallback) is timed; the customer
// revokes and the next round starts. Prints `JOIN {…}` and `FIRST {…}` lines with wall-clock
// milliseconds; the Rust side computes the figures.
import { scenario, signIn, startSession, Agent, tab, WAIT, check } from '../scenarios/lib.mjs';
import { wall, emit, watchRoster, armFirstFrame, recordSteps, keepPeerConnections, dataChannelRoundTrips } from './common.mjs';

const GRANTS = Number(process.env.BENCH_GRANTS || 3);

scenario('bench_first_frame', async (t) => {
  const { page } = t;
  await page.addInitScript(recordSteps);
  await page.addInitScript(keepPeerConnections);
  await signIn(page);
  await startSession(page);
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.evaluate(watchRoster);
  const spawned = wall();
  const agent = new Agent(code);
  t.agents.push(agent);
  await agent.expect('Connected to support session');
  await page.waitForFunction(() => window.__roster.connected, null, { timeout: WAIT });
  emit('JOIN', { spawned, ...(await page.evaluate(() => window.__roster)) });

  await tab(page, 'share');
  for (let i = 0; i < GRANTS; i++) {
    const ask = page.locator('#share-screen_view');
    await ask.waitFor();
    await page.waitForFunction(() => !document.getElementById('share-screen_view').disabled, null, { timeout: WAIT });
    await ask.click();
    await agent.expect('asks to see your screen');
    await page.evaluate(armFirstFrame);
    const granted = wall();
    agent.type('y');
    await page.waitForFunction(() => window.__first, null, { timeout: WAIT });
    const first = await page.evaluate(() => window.__first);
    check(first.width > 0, 'a decoded frame has a size');
    // The first time each step happened after the grant, ms after it.
    const steps = {};
    for (const [what, when] of await page.evaluate(() => window.__events.splice(0))) {
      if (when >= granted && when <= first.presented && !(what in steps)) steps[what] = when - granted;
    }
    emit('FIRST', { granted, ...first, steps });
    agent.type('revoke screen_view');
    await page.locator('#share-state.revoked').waitFor({ timeout: WAIT });
    // Let the agent stop its share and renegotiate before asking again.
    await page.waitForTimeout(700);
  }
  // Reference: data-channel round trips between two Chromium peers over the same path (the
  // console's ICE servers and policy), to set the console↔agent steps against.
  const config = await page.evaluate(() => ({ iceServers: window.__pcs[0].getConfiguration().iceServers, iceTransportPolicy: window.__pcs[0].getConfiguration().iceTransportPolicy }));
  const other = await t.context.newPage();
  await other.goto('about:blank');
  emit('DCRTT', await other.evaluate(dataChannelRoundTrips, { config, count: 20 }));
  await other.close();
});
