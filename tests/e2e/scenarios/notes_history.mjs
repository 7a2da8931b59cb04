// Scenario 7 (S15, S20, S22): notes saved during the session, the session ended with notes
// from the end dialog, and the history shows the session with its notes and consent log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, env, WAIT, download, webhookReceiver } from './lib.mjs';

scenario('notes_history', async (t) => {
  const { page } = t;
  await signIn(page);
  const session = await startSession(page, 'CASE-0815');
  const agent = await inviteAgent(t);

  // A refused request, so the consent log has something to show (S22).
  await tab(page, 'sysinfo');
  await page.locator('#sysinfo-request').click();
  await agent.expect('asks to read your system information. Allow? [y] for this session, [once] until it stops, [N]o');
  agent.type('n');
  await page.locator('#sysinfo-state', { hasText: 'The customer said no.' }).waitFor({ timeout: WAIT });

  // Notes (S15): saved, and the panel stays open while working elsewhere.
  await page.locator('#notes-toggle').click();
  await page.locator('#notes-text').fill('Printer shows E42. Driver 3.1 installed.');
  await page.locator('#notes-save').click();
  await page.locator('#notes-state', { hasText: 'saved at' }).waitFor({ timeout: WAIT });
  await tab(page, 'chat');
  check(await page.locator('#notes-panel').isVisible(), 'the notes stay open');
  const stored = await page.evaluate(async (id) => (await (await fetch(`/api/sessions/${id}`)).json()).session.notes, session);
  check(stored === 'Printer shows E42. Driver 3.1 installed.', `the notes were saved (${stored})`);
  await shot(page, 'notes');

  // End with notes (S20).
  await page.locator('#end-session').click();
  const endNotes = page.locator('#end-notes');
  check((await endNotes.inputValue()) === 'Printer shows E42. Driver 3.1 installed.', 'the end dialog starts from the saved notes');
  await endNotes.fill('Printer shows E42. Driver 3.1 installed. Customer confirmed it prints.');
  await shot(page, 'end-session');
  await page.locator('#confirm-end').click();
  await agent.expect('ended');

  // History (S22).
  await page.locator('#history-detail').waitFor({ timeout: WAIT });
  check(page.url().endsWith(`#/history/${session}`), 'the console shows the ended session');
  check((await page.locator('#history-notes').textContent()) === 'Printer shows E42. Driver 3.1 installed. Customer confirmed it prints.', 'the final notes are kept');
  check((await page.locator('#history-ended').textContent()) !== 'still live', 'the session is marked ended');
  const people = await page.locator('#history-participants li').allTextContents();
  check(people.some((p) => p.startsWith('Alice (CSR)')) && people.some((p) => p.startsWith('Dana (customer)')), `participants listed (${people})`);
  const consent = await page.locator('#consent-log tbody tr').allTextContents();
  check(consent.some((r) => r.includes('permission asked') && r.includes('system info')), `the request is in the consent log (${consent})`);
  check(consent.some((r) => r.includes('permission refused')), `the refusal is in the consent log (${consent})`);
  await shot(page, 'history-detail');
  await page.goto(`${env.base}/#/history`);
  const row = page.locator(`#history tr[data-session="${session}"]`);
  await row.waitFor({ timeout: WAIT });
  check((await row.textContent()).includes('CASE-0815'), 'the history list shows the tracking code');
  check((await row.textContent()).includes('ended'), 'the history list shows it ended');
  await shot(page, 'history');

  // Issue 16, reports: narrowed by tracking code, and the same list as CSV.
  await page.locator('#filter-tracking').fill('no-such-case');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#history-empty', { hasText: 'No session matches.' }).waitFor({ timeout: WAIT });
  await page.locator('#filter-tracking').fill('case-0815');
  await page.getByRole('button', { name: 'Show' }).click();
  await row.waitFor({ timeout: WAIT });
  const csvFile = join(env.work, 'sessions.csv');
  await download(page, page.locator('#history-csv'), csvFile);
  const csv = readFileSync(csvFile, 'utf8').split('\r\n');
  check(csv[0].startsWith('session_id,session_type,tracking_code'), `the CSV has its header (${csv[0]})`);
  check(csv.length === 3 && csv[1].startsWith(`${session},`) && csv[1].includes('CASE-0815'), `one line, this session (${csv.join(' / ')})`);
  await page.goto(`${env.base}/#/admin`);
  await page.locator('#admin-accounts tr[data-username=bob]').waitFor({ timeout: WAIT });
  await shot(page, 'admin');

  // Issue 16: an API token for the ticket system, shown once; it reads the history as Alice.
  await page.locator('#new-token-name').fill('Ticket system');
  await page.locator('#new-token-read_sessions').check();
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.locator('#new-token-secret').textContent()).trim();
  check(secret.startsWith('rst_'), `the secret is shown once (${secret.slice(0, 4)}…)`);
  const listed = await fetch(`${env.base}/api/sessions`, { headers: { authorization: `Bearer ${secret}` } });
  check(listed.status === 200, `the token reads the session list (${listed.status})`);
  check((await listed.json()).some((s) => s.id === session), 'and finds this session');
  await page.getByRole('button', { name: 'Done' }).click();
  const tokenRow = page.locator('#admin-tokens tbody tr', { hasText: 'Ticket system' });
  await tokenRow.waitFor({ timeout: WAIT });
  check(!(await page.locator('#admin-tokens').textContent()).includes(secret), 'the list never shows the secret');
  await page.reload();
  await tokenRow.filter({ hasNotText: 'never' }).waitFor({ timeout: WAIT });
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await tokenRow.filter({ hasText: 'revoked' }).waitFor({ timeout: WAIT });
  const refused = await fetch(`${env.base}/api/sessions`, { headers: { authorization: `Bearer ${secret}` } });
  check(refused.status === 401, `a revoked token is refused (${refused.status})`);

  // Issue 16: a webhook to a receiver on loopback; the test event arrives signed, the log says so.
  const hook = await webhookReceiver();
  await page.locator('#new-webhook-url').fill(hook.url);
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const hookSecret = (await page.locator('#new-webhook-secret').textContent()).trim();
  await page.getByRole('button', { name: 'Done' }).click();
  await page.locator('#admin-webhooks .webhook').getByRole('button', { name: 'Send test' }).click();
  await page.locator('#admin-webhooks .deliveries td', { hasText: 'delivered' }).waitFor({ timeout: WAIT });
  check(hook.received.length === 1, `the receiver got the test event (${hook.received.length})`);
  check(hook.event(0, hookSecret).type === 'ping', 'it is the test event, signed with the secret shown once');
  hook.close();
  await shot(page, 'admin-integrations');
});
