// Issue 16, the satisfaction survey: the CSR ends the session; the customer's page asks how the
// help was; the customer gives 4 of 5 with a comment. The rating then shows in the console's
// history (list and session page) and its filter, in the CSV export, through the API with a token,
// and in a signed `session.rated` webhook received on loopback.
import { scenario, signIn, startSession, check, shot, env, WAIT, invite, joinInBrowser, eventually, webhookReceiver } from './lib.mjs';

scenario('survey', async (t) => {
  const { page, browser } = t;
  await signIn(page);

  // A webhook for ratings, to a receiver on loopback (made through the console's own API).
  const receiver = await webhookReceiver();
  const post = (path, body) => page.evaluate(async ([p, b]) => {
    const r = await fetch(p, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
    return r.json();
  }, [path, body]);
  const hook = await post('/api/admin/webhooks', { url: receiver.url, events: ['session.rated'] });
  check(!!hook.secret, `the webhook was made (${JSON.stringify(hook)})`);
  const token = await post('/api/admin/tokens', { name: 'Ticket system', scopes: ['read_sessions'] });
  check(!!token.secret, `the API token was made (${JSON.stringify(token)})`);

  const session = await startSession(page);
  const { link } = await invite(page);
  const cust = await joinInBrowser(browser, link, 'Dana');
  await cust.locator('#who-is-here li', { hasText: 'Alice (support)' }).waitFor({ timeout: WAIT });
  await page.locator('#participants li[data-role=customer]', { hasText: 'Dana' }).waitFor({ timeout: WAIT });

  // The CSR ends it; the customer's page asks.
  await page.locator('#end-session').click();
  await page.locator('#end-notes').fill('Printer driver reinstalled.');
  await page.locator('#confirm-end').click();
  await cust.locator('#survey').waitFor({ timeout: WAIT });
  check(await cust.locator('#survey-send').isDisabled(), 'nothing is sent before a rating is chosen');
  await cust.getByRole('button', { name: '4 of 5: good' }).click();
  await cust.locator('#survey-comment').fill('Quick and kind.');
  await shot(cust, 'survey');
  await cust.locator('#survey-send').click();
  await cust.locator('#survey-thanks', { hasText: 'Thank you for your answer.' }).waitFor({ timeout: WAIT });

  // The console's history: the session's page and the list, with the rating filter.
  const id = session || page.url().split('/').pop();
  // (The console went to this page when the session ended, before the answer: the CSR reloads it.)
  await page.goto(`${env.base}/#/history/${id}`);
  await page.reload();
  await eventually(page, 'the session page shows the rating', () => page.locator('#history-rating').textContent(),
    (s) => s === '★ 4 of 5 — “Quick and kind.”');
  await page.goto(`${env.base}/#/history`);
  await page.locator(`#history tr[data-session="${id}"] .rating-cell`, { hasText: '★ 4' }).waitFor({ timeout: WAIT });
  await page.locator('#filter-rating').selectOption('5');
  await page.locator('#history-filters button[type=submit]').click();
  await page.locator('#history-empty', { hasText: 'No session matches.' }).waitFor({ timeout: WAIT });
  await shot(page, 'history-ratings');

  // The CSV export and the API with a token.
  const csv = await page.evaluate(async () => (await fetch('/api/sessions.csv', { credentials: 'same-origin' })).text());
  check(csv.split('\r\n')[0].endsWith(',rating,feedback,team'), `the CSV has the rating columns (${csv.split('\r\n')[0]})`);
  check(csv.includes(',4,Quick and kind.'), `the CSV carries the rating (${csv})`);
  const api = await (await fetch(`${env.base}/api/sessions`, { headers: { authorization: `Bearer ${token.secret}` } })).json();
  const row = api.find((s) => s.id === id);
  check(row && row.rating === 4 && row.feedback === 'Quick and kind.', `the API gives the rating (${JSON.stringify(row)})`);

  // The webhook, signed.
  await eventually(page, 'the rating reached the webhook', async () => receiver.received.length, (n) => n >= 1);
  const event = receiver.event(0, hook.secret);
  check(event.type === 'session.rated' && event.data.rating === 4 && event.data.comment === 'Quick and kind.' && event.data.session_id === id,
    `the event carries the rating (${JSON.stringify(event)})`);
  check(event.data.notes === 'Printer driver reinstalled.', 'and the session\'s notes');
  receiver.close();
});
