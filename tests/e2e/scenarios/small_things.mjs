// Issue 19, finding 8: the small things a CSR notices. The shared picture fits its panel; a
// file pushed into the customer's shared folder is listed without a refresh; no tooltip cites a
// rule id; "Make primary" is disabled for an offline customer and the live primary stays
// primary; a CSR who leaves on purpose sees no error; the CSR's console says when someone
// leaves (a line in the chat log and a toast).
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, inviteCsr, viewScreen, check, tab, makeFile, env, log, WAIT } from './lib.mjs';

/** Waits until `probe()` returns a truthy value; fails with `what` and the last value seen. */
async function until(page, what, probe) {
  const deadline = Date.now() + WAIT;
  let seen;
  while (Date.now() < deadline) {
    seen = await probe();
    if (seen && seen.ok !== false) return seen;
    await page.waitForTimeout(200);
  }
  check(false, `${what} (saw ${JSON.stringify(seen)})`);
}

/** No tooltip cites a rule id ("(S9)"), on any tab. */
async function noRuleIds(page, when) {
  for (const key of ['share', 'chat', 'av', 'files', 'sysinfo', 'recording']) {
    if (await page.locator(`#tab-${key}`).isVisible()) await tab(page, key);
    const cited = await page.evaluate(() => [...document.querySelectorAll('[title]')].map((e) => e.title).filter((x) => /\bS\d{1,2}\b/.test(x)));
    check(!cited.length, `no tooltip cites a rule id (${when}, ${key}: ${JSON.stringify(cited)})`);
  }
}

scenario('small_things', async (t) => {
  const { page } = t;
  await signIn(page);
  const session = await startSession(page);
  await noRuleIds(page, 'before a customer joined');
  const dana = await inviteAgent(t);

  // The shared picture fits its panel, scaled keeping its aspect ratio.
  await viewScreen(page, dana);
  const fit = await until(page, 'the picture lies within its panel', () => page.evaluate(() => {
    const v = document.getElementById('share-video');
    const box = (el) => { const r = el.getBoundingClientRect(); return { l: r.left, t: r.top, r: r.right, b: r.bottom }; };
    const within = (a, b) => a.l >= b.l - 1 && a.t >= b.t - 1 && a.r <= b.r + 1 && a.b <= b.b + 1;
    const ws = v.closest('.workspace');
    const wsBox = box(ws);
    const visible = { l: wsBox.l, t: wsBox.t, r: wsBox.l + ws.clientWidth, b: wsBox.t + ws.clientHeight };
    const video = box(v);
    const panel = box(document.getElementById('panel-share'));
    const ok = within(video, box(document.getElementById('share-surface'))) && within(video, panel) && within(video, visible)
      && ws.scrollWidth <= ws.clientWidth + 1 && getComputedStyle(v).objectFit === 'contain';
    return { ok, video, panel, visible, scroll: [ws.scrollWidth, ws.clientWidth], fit: getComputedStyle(v).objectFit };
  }));
  log(`picture ${JSON.stringify(fit.video)} within ${JSON.stringify(fit.visible)}`);
  await page.locator('#share-stop').click();

  // A file pushed into the shared folder is listed at once.
  await tab(page, 'files');
  await page.locator('#open-advanced').click();
  await dana.expect('asks to open file transfer with your computer');
  dana.type('y');
  await page.locator('#listing').waitFor({ state: 'attached', timeout: WAIT });
  const pushed = join(env.work, 'fix.sh');
  makeFile(pushed, 4096);
  await page.locator('#push-file').setInputFiles(pushed);
  await dana.expect('asks to send you fix.sh');
  dana.type('y');
  await page.locator('#transfers tr', { hasText: 'fix.sh' }).locator('.state.done').waitFor({ timeout: WAIT });
  await page.locator('#listing tr[data-name="fix.sh"]').waitFor({ timeout: WAIT });
  log('the pushed file is listed without a refresh');
  await page.locator('#end-advanced').click();

  await noRuleIds(page, 'with a customer');

  // A second customer who goes offline cannot be made primary; Dana stays primary.
  const eli = await inviteAgent(t, { name: 'Eli' });
  const eliRow = page.locator('#participants li[data-role=customer]', { hasText: 'Eli' });
  const danaRow = page.locator('#participants li[data-role=customer]', { hasText: 'Dana' });
  check(await eliRow.getByRole('button', { name: 'Make primary' }).isEnabled(), 'an online secondary customer can be made primary');
  eli.kill();
  await page.locator('#participants li[data-role=customer].offline', { hasText: 'Eli' }).waitFor({ timeout: WAIT });
  await until(page, "an offline customer's Make primary is disabled", async () => eliRow.getByRole('button', { name: 'Make primary' }).isDisabled());
  await eliRow.getByRole('button', { name: 'Make primary' }).click({ force: true, timeout: 2000 }).catch(() => {});
  await page.waitForTimeout(1000);
  check(await danaRow.locator('.tag', { hasText: 'primary' }).count() === 1 && await danaRow.locator('.tag', { hasText: 'secondary' }).count() === 0,
    'Dana, online, stays primary');

  // Bob leaves on purpose: no error for him; Alice reads that he left.
  const bob = await inviteCsr(t, page, session);
  await bob.page.locator('#leave-session').waitFor({ timeout: WAIT });
  await page.locator('#participants li[data-role=csr]', { hasText: 'Bob' }).waitFor({ timeout: WAIT });
  await bob.page.locator('#leave-session').click();
  await page.locator('#chat-log li.system', { hasText: 'Bob left the session.' }).waitFor({ state: 'attached', timeout: WAIT });
  await page.waitForTimeout(3000);
  const bobErrors = await bob.page.locator('.toast.error').allTextContents();
  check(!bobErrors.length, `a CSR who leaves on purpose sees no error (${JSON.stringify(bobErrors)})`);

  // Dana leaves: Alice's console says so, in the chat log and a toast.
  dana.type('leave');
  await dana.expect('You left the session');
  await page.locator('.toast', { hasText: 'Dana left the session.' }).waitFor({ timeout: WAIT });
  await tab(page, 'chat');
  await page.locator('#chat-log li.system', { hasText: 'Dana left the session.' }).waitFor({ timeout: WAIT });
});
