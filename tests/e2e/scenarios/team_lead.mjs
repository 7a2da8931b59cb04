// Issue 16, the team lead: the site admin makes the team "Printers" (Bob a CSR, Lee its lead)
// and its session type. Bob helps Dana (in her browser) in a session of that type. Lee's
// console has the Team view: the live session with Bob as host and Dana; "Observe" opens it as
// an observer. Dana's page tells her ("Lee (support, observing) joined to observe") and lists
// Lee as observing; Bob's console tags Lee. Lee chats, then takes over: Lee holds control,
// Bob's console says so and Dana's page puts Lee in charge. The team's figures count the session.
import { scenario, signIn, check, shot, env, WAIT, invite, joinInBrowser, eventually, tab } from './lib.mjs';

scenario('team_lead', async (t) => {
  const { page: admin, browser } = t;
  await signIn(admin);
  const call = (method, path, body) => admin.evaluate(async ([m, p, b]) => {
    const r = await fetch(p, { method: m, credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: b ? JSON.stringify(b) : undefined });
    const text = await r.text();
    if (!r.ok) throw new Error(`${m} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }, [method, path, body]);
  const lee = await call('POST', '/api/admin/accounts', { username: 'lee', display_name: 'Lee', password: env.password });
  const accounts = await call('GET', '/api/admin/accounts');
  const bob = accounts.find((a) => a.username === 'bob');
  const team = await call('POST', '/api/admin/teams', { name: 'Printers' });
  await call('PUT', `/api/admin/teams/${team.id}/members/${bob.id}`, { role: 'csr' });
  await call('PUT', `/api/admin/teams/${team.id}/members/${lee.account.id}`, { role: 'lead' });
  const type = await call('POST', '/api/admin/session-types', { name: 'Printer help' });
  await call('PATCH', `/api/admin/session-types/${type.id}`, { team_id: team.id });

  // Bob helps Dana in a session of the team's type.
  const bobContext = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const bobPage = await bobContext.newPage();
  await signIn(bobPage, 'bob');
  check(await bobPage.locator('#nav-team').count() === 0, 'a CSR who leads no team has no Team view');
  await bobPage.locator('#session-type').selectOption({ label: 'Printer help' });
  await bobPage.locator('#tracking-code').fill('PR-88');
  await bobPage.locator('#start-session').click();
  await bobPage.locator('#participants li').first().waitFor({ timeout: WAIT });
  const session = bobPage.url().split('#/session/')[1];
  const { link } = await invite(bobPage);
  const dana = await joinInBrowser(browser, link, 'Dana');
  await dana.locator('#who-is-here li', { hasText: 'Bob (support)' }).waitFor({ timeout: WAIT });

  // Lee's Team view lists the live session.
  const leeContext = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  const leePage = await leeContext.newPage();
  await signIn(leePage, 'lee');
  await leePage.locator('#nav-team').click();
  const row = leePage.locator(`#team-live-rows tr[data-session="${session}"]`);
  await row.locator('.customers-cell', { hasText: 'Dana' }).waitFor({ timeout: WAIT });
  check((await row.locator('.host-cell').textContent()) === 'Bob', 'the host is shown');
  check((await row.textContent()).includes('Printers') && (await row.textContent()).includes('PR-88'), 'team and tracking code are shown');
  await eventually(leePage, 'the session\'s length counts up', () => row.locator('td.since').textContent(), (s) => /\d+ s/.test(s));
  await leePage.locator('#team-figures-rows tr', { hasText: 'Printers' }).waitFor({ timeout: WAIT });
  await shot(leePage, 'team-lead-view');

  // Observe: the session opens for Lee as an observer; Dana is told; Bob sees it.
  await row.getByRole('button', { name: 'Observe' }).click();
  await leePage.waitForURL(/#\/session\//, { timeout: WAIT });
  await leePage.locator('#host-banner', { hasText: 'You observe this session; the customer is told.' }).waitFor({ timeout: WAIT });
  check(await leePage.locator('#take-over').isVisible(), 'an observer can take over');
  check(await leePage.locator('#tab-share').isHidden() && await leePage.locator('#invite-customer').isHidden(), 'an observer has no host tools');
  await dana.locator('#what-happened li', { hasText: 'Lee (support, observing) joined to observe: they see this session and its chat.' }).waitFor({ timeout: WAIT });
  await dana.locator('#who-is-here li', { hasText: 'Lee (support, observing)' }).waitFor({ timeout: WAIT });
  await bobPage.locator('#participants li[data-role=csr]', { hasText: 'Lee' }).locator('.tag.observer').waitFor({ timeout: WAIT });
  check(await bobPage.locator('#participants li', { hasText: 'Lee' }).getByRole('button', { name: 'Give control' }).count() === 0,
    'control is not handed to an observer');
  await shot(dana, 'team-lead-observing-customer');
  await shot(leePage, 'team-lead-observing');

  // The observer chats.
  await tab(leePage, 'chat');
  await leePage.locator('#chat-text').fill('Hello Dana, I am Bob\'s team lead.');
  await leePage.locator('#chat-send').click();
  await dana.locator('#chat-log li', { hasText: 'Hello Dana, I am Bob\'s team lead.' }).waitFor({ timeout: WAIT });

  // Lee keeps a canned message for the team; Bob finds it in his chat box.
  await leePage.locator('#manage-snippets').click();
  await leePage.locator('#snippet-owner').selectOption({ label: 'Team Printers' });
  await leePage.locator('#snippet-key').fill('tray');
  await leePage.locator('#snippet-text').fill('Open tray 2 and take out the jammed sheet.');
  await leePage.locator('#snippet-add').click();
  await leePage.locator('.snippets-manager tr[data-key=tray]', { hasText: 'team Printers' }).waitFor({ timeout: WAIT });
  await leePage.locator('#snippets-close').click();
  await tab(bobPage, 'chat');
  await bobPage.locator('#chat-text').pressSequentially('/tr');
  await bobPage.locator('#snippet-list [role=option]', { hasText: '/tray' }).locator('.tag', { hasText: 'Printers' }).waitFor({ timeout: WAIT });
  await bobPage.locator('#chat-text').fill('');

  // Lee takes over.
  await leePage.locator('#take-over').click();
  await leePage.locator('#take-over-confirm').click();
  await leePage.locator('#participants li', { hasText: 'Lee (you)' }).locator('.tag.host').waitFor({ timeout: WAIT });
  await eventually(leePage, 'the host\'s tools are Lee\'s', () => leePage.locator('#host-banner').isHidden(), (v) => v);
  check(await leePage.locator('#take-over').isHidden() && await leePage.locator('#tab-share').isVisible(), 'the host tools are back for Lee');
  await bobPage.locator('#host-banner', { hasText: 'Lee holds control of this session.' }).waitFor({ timeout: WAIT });
  await dana.locator('#what-happened li', { hasText: 'Lee (support) has taken over the session from Bob.' }).waitFor({ timeout: WAIT });
  await dana.locator('#who-is-here li', { hasText: 'Lee (support)' }).locator('.tag', { hasText: 'in charge' }).waitFor({ timeout: WAIT });

  // Lee ends the session; the team's figures count it, and its record is Lee's to read.
  await leePage.locator('#end-session').click();
  await leePage.locator('#end-notes').fill('Paper tray replaced.');
  await leePage.locator('#confirm-end').click();
  await leePage.waitForURL(/#\/history\//, { timeout: WAIT });
  // Straight on to the Team view: the history page still loading must not draw over it.
  await leePage.goto(`${env.base}/#/team`);
  const figures = leePage.locator('#team-figures-rows tr', { hasText: 'Printers' });
  await eventually(leePage, 'the team\'s figures count the ended session', async () => `${(await figures.locator('td').allTextContents()).slice(1, 3).join(' ')} in ${leePage.url()}: ${await leePage.locator('#app').textContent()}`,
    (s) => s.startsWith('1 1 in'));
  await eventually(leePage, 'the ended session is no longer live', async () => `${await leePage.locator('#team-live-rows').textContent()}|${await leePage.locator('#team-live-empty').isVisible()}`,
    (s) => s === '|true');
  await shot(leePage, 'team-reports');
  await leePage.goto(`${env.base}/#/history?team=${team.id}`);
  await leePage.locator(`#history tr[data-session="${session}"] .team-cell`, { hasText: 'Printers' }).waitFor({ timeout: WAIT });
});
