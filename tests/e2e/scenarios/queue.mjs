// Issue 16, the support queue (S3), in two Chromium contexts: the site admin makes a team and
// joins it; a customer opens the team's "Get help" page, asks for help and waits (place 1, a
// wait of "a few minutes" with no history, a message to the team); the CSR sees them in the
// Queue panel of the start page (what they asked and wrote, shown as text) and takes them; the
// customer's page becomes the session in the browser (with the support agent offered for the
// same seat) and chat goes both ways.
import { scenario, signIn, check, shot, env, WAIT, log, eventually, tab } from './lib.mjs';

scenario('queue', async (t) => {
  const { page, browser } = t;
  await signIn(page);

  // The site admin makes the team "Printers" with herself as a CSR in it.
  await page.goto(`${env.base}/#/admin`);
  await page.locator('#new-team-name').fill('Printers');
  await page.getByRole('button', { name: 'Add team' }).click();
  const team = page.locator('.team[data-team=printers]');
  await team.waitFor({ timeout: WAIT });
  await team.locator('select.add-member').selectOption({ label: 'Alice (alice)' });
  await team.locator('select.add-role').selectOption('csr');
  await team.getByRole('button', { name: 'Add to team' }).click();
  await page.locator('.team[data-team=printers] tr[data-member=alice]', { hasText: 'CSR' }).waitFor({ timeout: WAIT });
  const pageLink = (await team.locator('a[href*="/help/"]').getAttribute('href'));
  check(pageLink === `${env.base}/help/printers`, `the admin page shows the queue page's address (${pageLink})`);

  // The CSR's start page: the Queue panel, nobody waiting, available.
  await page.goto(`${env.base}/#/`);
  const panel = page.locator('#queue-panel');
  await panel.locator('#queue-empty', { hasText: 'Nobody is waiting.' }).waitFor({ timeout: WAIT });
  check((await panel.locator('#queue-availability').textContent()) === 'Available', 'a CSR is available until they say otherwise');

  // The customer, in a browser of their own, asks the team for help.
  const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
  const cust = await context.newPage();
  cust.on('pageerror', (e) => log(`customer page exception: ${e.message}`));
  cust.on('console', (m) => { if (m.type() === 'error') log(`customer page error: ${m.text()}`); });
  await cust.goto(pageLink);
  await cust.locator('h1', { hasText: 'Get help from Printers' }).waitFor({ timeout: WAIT });
  await cust.locator('#ask-name').fill('Dana');
  await cust.locator('#ask-description').fill('The printer jams on every page <b>E-52</b>');
  await cust.locator('#ask-email').fill('dana@example.com');
  await cust.locator('#ask-button').click();
  await cust.locator('#queue-place', { hasText: 'place 1 of 1' }).waitFor({ timeout: WAIT });
  check((await cust.locator('#queue-place').getAttribute('data-place')) === '1', 'the customer is first in line');
  check((await cust.locator('#queue-estimate').textContent()) === 'Estimated wait: a few minutes.', 'no waits yet: a few minutes');
  await eventually(cust, 'someone is available (the CSR has the console open)', () => cust.locator('#queue-nobody').isHidden(), (v) => v);
  await cust.locator('#queue-message').fill('It is the LX-200 on the second floor.');
  await cust.locator('#queue-send').click();
  await cust.locator('#queue-messages li', { hasText: 'It is the LX-200 on the second floor.' }).waitFor({ timeout: WAIT });

  // A reload keeps the place.
  await cust.reload();
  await cust.locator('#queue-place', { hasText: 'place 1 of 1' }).waitFor({ timeout: WAIT });
  await cust.locator('#queue-messages li', { hasText: 'LX-200' }).waitFor({ timeout: WAIT });
  await shot(cust, 'queue-customer-waiting');

  // The CSR sees Dana with what she asked and wrote, as text.
  const row = panel.locator('.queue-row', { hasText: 'Dana' });
  await row.locator('.said li', { hasText: 'LX-200' }).waitFor({ timeout: WAIT });
  const description = row.locator('.description');
  check((await description.textContent()) === 'The printer jams on every page <b>E-52</b>', 'the description is shown as the customer typed it');
  check((await description.locator('b').count()) === 0, 'the customer\'s words are text, never markup');
  check((await row.textContent()).includes('Printers · waiting'), 'the team and the wait are shown');
  check((await row.textContent()).includes('dana@example.com'), 'the e-mail address is shown');
  await eventually(page, 'the wait counts up', async () => row.locator('.waited').textContent(), (s) => /\d+ s/.test(s));
  await shot(page, 'queue-csr-panel');

  // Take: the console opens the session; the customer's page becomes the session.
  await row.getByRole('button', { name: 'Take' }).click();
  await page.waitForURL(/#\/session\//, { timeout: WAIT });
  const dana = page.locator('#participants li[data-role=customer]', { hasText: 'Dana' });
  await dana.locator('.tag', { hasText: 'in the browser' }).waitFor({ timeout: WAIT });
  await cust.waitForURL(`${env.base}/join`, { timeout: WAIT });
  await cust.locator('#who-is-here li', { hasText: 'Dana (you)' }).waitFor({ timeout: WAIT });
  await cust.locator('#who-is-here li', { hasText: 'Alice (support)' }).waitFor({ timeout: WAIT });
  await cust.locator('#continue-in-agent').waitFor({ timeout: WAIT });

  // Chat both ways.
  await tab(page, 'chat');
  await page.locator('#chat-text').fill('Hello Dana, I have your request about the LX-200.');
  await page.locator('#chat-send').click();
  await cust.locator('#chat-log li', { hasText: 'Hello Dana, I have your request about the LX-200.' }).waitFor({ timeout: WAIT });
  await cust.locator('#chat-text').fill('Thank you! It jams again.');
  await cust.locator('#chat-send').click();
  await page.locator('#chat-log li', { hasText: 'Thank you! It jams again.' }).waitFor({ timeout: WAIT });

  // Back on the start page, the queue is empty again and the session counts.
  await page.goto(`${env.base}/#/`);
  await panel.locator('#queue-empty').waitFor({ timeout: WAIT });
  await panel.locator('#queue-sessions', { hasText: 'In 1 of at most 3 sessions' }).waitFor({ timeout: WAIT });

  // The CSR ends it; Dana rates the help in her page; the history and the team's figures show it.
  const session = await page.evaluate(async () => (await (await fetch('/api/sessions?limit=1', { credentials: 'same-origin' })).json())[0].id);
  await page.goto(`${env.base}/#/session/${session}`);
  await page.locator('#end-session').click();
  await page.locator('#end-notes').fill('Tray 2 roller cleaned.');
  await page.locator('#confirm-end').click();
  await cust.locator('#survey').waitFor({ timeout: WAIT });
  await cust.getByRole('button', { name: '5 of 5: excellent' }).click();
  await cust.locator('#survey-comment').fill('Taken within a minute.');
  await cust.locator('#survey-send').click();
  await cust.locator('#survey-thanks').waitFor({ timeout: WAIT });
  await page.goto(`${env.base}/#/history`);
  await page.reload();
  await page.locator(`#history tr[data-session="${session}"] .rating-cell`, { hasText: '★ 5' }).waitFor({ timeout: WAIT });
  const figures = await page.evaluate(async () => (await fetch('/api/reports/teams', { credentials: 'same-origin' })).json());
  const printers = figures.find((f) => f.team === 'Printers');
  check(printers && printers.taken_from_queue === 1 && printers.ratings === 1 && printers.mean_rating === 5 && printers.mean_wait_ms > 0,
    `the team's figures count the customer taken from the queue and the rating (${JSON.stringify(printers)})`);
});
