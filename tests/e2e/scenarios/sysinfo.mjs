// Scenario 6 (S14, S21): system information appears only after the customer's grant and
// confirmation, in readable sections.
import { hostname } from 'node:os';
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, WAIT } from './lib.mjs';

scenario('sysinfo', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'sysinfo');
  await page.locator('#sysinfo-request').click();
  await page.locator('#sysinfo-state', { hasText: "Waiting for the customer's permission" }).waitFor();
  await agent.expect('Alice (support) asks to read your system information. Allow? [y] for this session, [once] until it stops, [N]o');
  check((await page.locator('#sysinfo').textContent()) === '', 'nothing is shown before the grant');
  agent.type('y');
  await agent.expect('Send it? [y/N]');
  agent.type('y');
  const host = hostname();
  await page.locator('#sysinfo table.kv td', { hasText: host }).first().waitFor({ timeout: WAIT });
  const headings = await page.locator('#sysinfo h3').allTextContents();
  for (const h of ['System', 'Processor', 'Memory', 'Disks', 'Network']) check(headings.includes(h), `section ${h} is shown (${headings})`);
  check(await page.locator('#sysinfo-copy').isVisible(), 'the report can be copied as text');
  await shot(page, 'system-info');
});
