// Scenario 4 (S10, S21): control desktop. A click in the console's view moves the pointer on
// the agent's X server to the matching spot.
import { scenario, signIn, startSession, inviteAgent, check, tab, pointer, WAIT } from './lib.mjs';

scenario('control', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'share');
  await page.locator('#share-remote_control').click();
  await agent.expect('asks to see and control your screen');
  agent.type('y');
  await page.locator('#share-surface.control').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => document.getElementById('share-video').videoWidth > 0, null, { timeout: WAIT });
  // Click at a quarter across and three quarters down the picture.
  const box = await page.evaluate(() => {
    const v = document.getElementById('share-video');
    const r = v.getBoundingClientRect();
    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const w = v.videoWidth * s;
    const h = v.videoHeight * s;
    return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
  });
  await page.mouse.click(box.x + box.w * 0.25, box.y + box.h * 0.75);
  const deadline = Date.now() + 5000;
  let p = pointer();
  while (Date.now() < deadline && (Math.abs(p.x - 320) > 8 || Math.abs(p.y - 540) > 8)) {
    await page.waitForTimeout(100);
    p = pointer();
  }
  check(Math.abs(p.x - 320) <= 8 && Math.abs(p.y - 540) <= 8, `the customer's pointer is at (320, 540) of 1280×720 (it is at ${p.x}, ${p.y})`);
});
