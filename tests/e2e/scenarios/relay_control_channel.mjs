// Relay only (coturn with use-auth-secret): the console and the agent reach each other only
// through TURN relay candidates; the control channel works (system information arrives) and
// coturn's log shows the relay in use.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { scenario, signIn, startSession, inviteAgent, check, tab, env, WAIT } from './lib.mjs';

scenario('relay_control_channel', async (t) => {
  const { page } = t;
  check(env.relay, 'started with TURN');
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'sysinfo');
  await page.locator('#sysinfo-request').click();
  await agent.expect('asks to read your system information');
  agent.type('y');
  await agent.expect('Send it? [y/N]');
  agent.type('y');
  await page.locator('#sysinfo table.kv td', { hasText: hostname() }).first().waitFor({ timeout: WAIT });
  const turn = readFileSync(env.turnLog, 'utf8');
  check(/ALLOCATE processed, success/.test(turn), 'coturn allocated relays');
  check(/CREATE_PERMISSION processed, success|CHANNEL_BIND processed, success/.test(turn), 'coturn relayed between the peers');
});
