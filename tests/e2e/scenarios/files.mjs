// Scenario 5 (S11, S13): a basic transfer to the customer, then with advanced transfer a file
// from the customer's shared folder and one into it; every file arrives with the same SHA-256.
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, shot, tab, makeFile, sha256, env, WAIT, log, download } from './lib.mjs';

const MIB = 1024 * 1024;

scenario('files', async (t) => {
  const { page } = t;
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'files');

  // Basic (S11): offered, the customer downloads it.
  const manual = join(env.work, 'manual.pdf');
  const manualSha = makeFile(manual, 3 * MIB + 123);
  await page.locator('#offer-files').setInputFiles(manual);
  await agent.expect('Alice (support) offers file 1: manual.pdf (3.0 MiB), saved to your download folder. Download it? [y/N]');
  agent.type('y');
  const basicRow = page.locator('#transfers tr', { hasText: 'manual.pdf' });
  await basicRow.locator('.state.done').waitFor({ timeout: WAIT });
  check((await basicRow.locator('.state').textContent()).includes('downloaded by the customer as manual.pdf'), 'the console says the customer downloaded it');
  check(sha256(join(agent.downloads, 'manual.pdf')) === manualSha, 'the downloaded file has the SHA-256 of the offered one');
  log('basic transfer to the customer: SHA-256 matches');

  // Advanced (S11, S13): the customer allows file transfer, then each file.
  const logsSha = makeFile(join(agent.shared, 'logs.bin'), 2 * MIB + 7);
  await page.locator('#open-advanced').click();
  await agent.expect('asks to open file transfer with your computer');
  agent.type('y');
  const entry = page.locator('#listing tr[data-name="logs.bin"]');
  await entry.waitFor({ timeout: WAIT });
  await entry.getByRole('button', { name: 'Copy to me' }).click();
  await agent.expect('asks to copy logs.bin (2.0 MiB) from your computer. Allow? [y] for this session, [once] until it stops, [N]o');
  agent.type('y');
  const pullRow = page.locator('#transfers tr', { hasText: 'logs.bin' });
  await pullRow.locator('.state.done').waitFor({ timeout: WAIT });
  check((await pullRow.locator('.permission').textContent()) === 'granted', 'the per-transfer permission shows granted');
  const saved = join(env.work, 'pulled-logs.bin');
  await download(page, pullRow.locator('a.save-link'), saved);
  check(sha256(saved) === logsSha, 'the file copied from the customer has the SHA-256 of the original');
  log('advanced transfer from the customer: SHA-256 matches');

  const driver = join(env.work, 'driver.run');
  const driverSha = makeFile(driver, 1 * MIB + 5);
  await page.locator('#push-file').setInputFiles(driver);
  await agent.expect('asks to send you driver.run (1.0 MiB) into your shared folder. Allow? [y] for this session, [once] until it stops, [N]o');
  agent.type('y');
  const pushRow = page.locator('#transfers tr', { hasText: 'driver.run' });
  await pushRow.locator('.state.done').waitFor({ timeout: WAIT });
  check(sha256(join(agent.shared, 'driver.run')) === driverSha, 'the file sent into the shared folder has the same SHA-256');
  log('advanced transfer to the customer: SHA-256 matches');
  await shot(page, 'files');
  await page.locator('#end-advanced').click();
  await page.locator('#open-advanced').waitFor({ state: 'visible', timeout: WAIT });
});
