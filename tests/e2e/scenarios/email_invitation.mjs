// Issue 14: Alice e-mails the invitation from the invite dialog. An address that is not one
// plain address is refused in words with its code; the good one is delivered by the site's
// relay (an SMTP server on loopback, STARTTLS and AUTH). The mail names the site and Alice and
// carries the link and the code; the customer opens the mailed link in their own browser and
// the join page shows the same code. A CSR invited into the session is told by e-mail too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, check, env, log, shot, WAIT } from './lib.mjs';

/** Waits until `n` mails were delivered; returns them, oldest first. */
async function delivered(n) {
  const deadline = Date.now() + WAIT;
  for (;;) {
    const names = readdirSync(env.mail).filter((f) => f.endsWith('.json')).sort();
    if (names.length >= n) return names.map((f) => JSON.parse(readFileSync(join(env.mail, f), 'utf8')));
    check(Date.now() < deadline, `${n} mail(s) delivered within ${WAIT} ms (got ${names.length})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

scenario('email_invitation', async (t) => {
  const { page, browser } = t;
  check(env.mail, 'E2E_MAIL names the relay\'s mail folder');
  await signIn(page, 'alice');
  const session = await startSession(page, 'CASE-MAIL');
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  const link = await page.locator('#invitation-link').inputValue();
  check(/^\d{3} \d{3} \d{3}$/.test(code), `a nine-digit code is shown (${code})`);

  const result = page.locator('#invitation-email-result');
  await page.locator('#invitation-email').fill('dana@example.com, eve@example.com');
  await page.getByRole('button', { name: 'Send by e-mail' }).click();
  await result.filter({ hasText: 'Not sent' }).waitFor({ timeout: WAIT });
  const refused = await result.textContent();
  check(refused.includes('single address') && refused.includes('(email_address_invalid)'), `two addresses are refused in words with the code (${refused})`);

  await page.locator('#invitation-email').fill('dana@example.com');
  const sentAt = Date.now();
  await page.getByRole('button', { name: 'Send by e-mail' }).click();
  await result.filter({ hasText: 'Sent to d***@example.com.' }).waitFor({ timeout: WAIT });
  log(`sent in ${Date.now() - sentAt} ms`);
  await shot(page, 'invite-email');

  const [mail] = await delivered(1);
  check(mail.tls && mail.login === 'relay', `delivered over STARTTLS after AUTH (tls ${mail.tls}, login ${mail.login})`);
  check(JSON.stringify(mail.rcpt_tos) === '["dana@example.com"]', `to Dana only (${mail.rcpt_tos})`);
  const site = new URL(env.base).host;
  check(mail.subject === `Remote support invitation from Alice (${site})`, `the subject names Alice and the site (${mail.subject})`);
  const body = mail.body.replace(/\r\n/g, '\n');
  for (const part of [`Alice of ${site} invites you`, `${link}\n`, `type: ${code}\n`, ' UTC (in ']) {
    check(body.includes(part), `the mail has ${JSON.stringify(part)}:\n${body}`);
  }
  await page.getByRole('button', { name: 'Done' }).click();

  // Dana opens the link from her mail in her own browser.
  const mailed = body.split('\n').find((l) => l.includes('/join/')).trim();
  const dana = await (await browser.newContext({ viewport: { width: 900, height: 1040 } })).newPage();
  await dana.goto(mailed);
  await dana.getByRole('heading', { name: 'Join your support session' }).waitFor({ timeout: WAIT });
  const shown = (await dana.locator('.code').textContent()).trim();
  check(shown === code, `the join page shows the mailed code (${shown} = ${code})`);

  // Bob, invited into the session, is told by e-mail too.
  await page.locator('#invite-csr').click();
  await page.locator('#csr-username').fill('bob');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  await page.locator('#csr-invitation-email').fill('bob@example.com');
  await page.locator('#csr-invitation-email-send').click();
  await page.locator('#csr-invitation-email-result', { hasText: 'Sent to b***@example.com.' }).waitFor({ timeout: WAIT });
  const [, toBob] = await delivered(2);
  check(toBob.body.includes(`/#/session/${session}`), `Bob's mail leads to the session:\n${toBob.body}`);
  await page.getByRole('button', { name: 'Done' }).click();
});
