// Issue 19, finding 3: a dead customer must not look alive. While the console views the
// desktop, the agent first hangs (SIGSTOP: still connected to signaling, no longer answering)
// and then is killed (SIGKILL). Within seconds the roster says so in one state ("not
// responding", then "offline", never "offline" and "connected" together) and the frozen
// picture is replaced by a notice in words; a hung agent that answers again is connected again
// and its picture comes back.
import { scenario, signIn, startSession, inviteAgent, viewScreen, waitForPattern, check, log, shot } from './lib.mjs';

const DEADLINE = 10_000;

scenario('agent_stops_responding', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await viewScreen(page, agent);
  const dana = page.locator('#participants li[data-role=customer]');
  // Every version of the roster is checked in the page, not only the ones this script reads.
  await page.evaluate(() => {
    window.contradictions = [];
    const look = () => {
      for (const li of document.querySelectorAll('#participants li[data-role=customer]')) {
        const tags = [...li.querySelectorAll('.tag')].map((x) => x.textContent);
        if (tags.includes('offline') && tags.includes('connected')) window.contradictions.push(tags.join(' '));
      }
    };
    new MutationObserver(look).observe(document.getElementById('participants'), { childList: true, subtree: true, characterData: true });
  });

  // Hung: signaling still has its connection, the peer stops answering.
  let since = Date.now();
  agent.child.kill('SIGSTOP');
  try {
    await dana.locator('.link-state', { hasText: 'not responding' }).waitFor({ timeout: DEADLINE });
    await page.locator('#share-state.stale', { hasText: "Dana's agent stopped responding; the picture is no longer live." }).waitFor({ timeout: DEADLINE });
    check(await page.locator('#share-video').isHidden(), 'no frozen picture is shown under the notice');
    log(`hung agent: "not responding" and the notice after ${Date.now() - since} ms`);
    await shot(page, 'agent-not-responding');
  } finally {
    // A stopped process ignores the harness's SIGTERM and would keep its output open.
    agent.child.kill('SIGCONT');
  }

  // It answers again: connected, and the live picture is back.
  await dana.locator('.link-state', { hasText: 'connected' }).waitFor({ timeout: 15_000 });
  await waitForPattern(page);
  log('the agent answers again: connected, the picture is live');

  // Killed: offline within seconds, the picture replaced, the share ended and no longer listed.
  since = Date.now();
  agent.child.kill('SIGKILL');
  await dana.locator('.link-state', { hasText: 'offline' }).waitFor({ timeout: DEADLINE });
  await page.locator('#share-state.stale', { hasText: "Dana's agent stopped responding" }).waitFor({ timeout: DEADLINE });
  check(await page.evaluate(() => { const v = document.getElementById('share-video'); return v.hidden || v.srcObject === null; }), 'no frozen picture is shown');
  log(`killed agent: offline and the notice after ${Date.now() - since} ms`);
  await page.locator('#share-state', { hasText: 'the share ended' }).waitFor({ timeout: DEADLINE });
  await dana.locator('.doing').waitFor({ state: 'detached', timeout: DEADLINE });
  check((await page.locator('#participants li[data-role=csr] .doing').count()) === 0, 'the roster no longer says the CSR views the desktop');
  log(`the share ended and the roster agrees after ${Date.now() - since} ms`);
  const contradictions = await page.evaluate(() => window.contradictions);
  check(contradictions.length === 0, `the roster never said "offline" and "connected" at once (saw ${JSON.stringify(contradictions)})`);
});
