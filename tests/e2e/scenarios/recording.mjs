// S16: recording asks the customer first; once allowed, the console records (WebM, VP8 and
// Opus) and the recording is stored with the session and listed in its history.
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, WAIT } from './lib.mjs';

scenario('recording', async (t) => {
  const { page } = t;
  await signIn(page);
  const session = await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'recording');
  check(await page.locator('#recording-start').isHidden(), 'no recorder before the grant');
  await page.locator('#recording-ask').click();
  await agent.expect('asks to record this session');
  agent.type('y');
  await page.locator('#recording-permission', { hasText: 'allowed' }).waitFor({ timeout: WAIT });
  await page.locator('#recording-start').click();
  await page.locator('#recording-state', { hasText: 'Recording…' }).waitFor();
  await page.waitForTimeout(2500);
  await shot(page, 'recording');
  await page.locator('#recording-stop').click();
  await page.locator('#recording-state', { hasText: 'Recording saved with the session' }).waitFor({ timeout: WAIT });
  const rec = await page.evaluate(async (id) => {
    const d = await (await fetch(`/api/sessions/${id}`)).json();
    const e = d.record.find((x) => x.kind === 'recording_saved');
    if (!e) return null;
    const r = await fetch(`/api/sessions/${id}/recordings/${e.detail.recording}`);
    const head = new Uint8Array(await r.arrayBuffer()).slice(0, 4);
    return { type: r.headers.get('content-type'), magic: [...head].map((b) => b.toString(16)).join(' '), bytes: e.detail.bytes };
  }, session);
  check(rec && rec.type === 'video/webm', `the recording is stored (${JSON.stringify(rec)})`);
  check(rec.magic === '1a 45 df a3', `it is a WebM (EBML) file (${rec.magic})`);
  check(rec.bytes > 1000, `it holds the recorded seconds (${rec.bytes} bytes)`);
});
