// Shared steps of the browser scenarios: Chromium (Debian's, headless) driven by
// playwright-core, the real agent driven through its terminal as the customer would type, and
// small checks. Started by the Rust tests in ../tests with the E2E_* environment. With
// E2E_BROWSER=firefox the console runs in Debian's Firefox ESR instead, driven over WebDriver
// BiDi (playwright's `moz-firefox` channel: the stock browser, no patched build).
import { chromium, firefox } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import readline from 'node:readline';

export const env = {
  base: process.env.E2E_BASE,
  agent: process.env.E2E_AGENT,
  password: process.env.E2E_PASSWORD,
  work: process.env.E2E_WORK,
  shots: process.env.E2E_SCREENSHOTS,
  display: process.env.E2E_DISPLAY,
  relay: process.env.E2E_RELAY === '1',
  turnLog: process.env.E2E_TURN_LOG,
  // The folder an SMTP server on loopback writes delivered mail to (Needs { smtp }).
  mail: process.env.E2E_MAIL,
  // `chromium` (default) or `firefox`.
  browser: process.env.E2E_BROWSER || 'chromium',
};

// Flags this machine needs (loopback only, no GPU, no sandbox in containers): see
// docs/webrtc-interop.md.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
];

export const WAIT = 30_000;

/** Fails the scenario with a message. */
export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

/** Waits until `read()` returns a value `ok` accepts; fails with `what` and the last value. */
export async function eventually(page, what, read, ok, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  let seen;
  for (;;) {
    seen = await read();
    if (ok(seen)) return seen;
    if (Date.now() > deadline) throw new Error(`check failed: ${what} (saw ${JSON.stringify(seen)})`);
    await page.waitForTimeout(150);
  }
}

export function log(...args) {
  console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...args);
}

// Chromium's generated camera and microphone, allowed without a prompt: for the scenarios that
// use the CSR's own devices (S8, S9) only, since the fake-media-UI flag also changes what ICE
// candidates look like (docs/webrtc-interop.md, pitfall 3).
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/**
 * Runs a scenario: a browser with a fresh profile, screenshots on failure, a verdict line.
 * `chromiumArgs` are added to the usual flags (e.g. FAKE_MEDIA).
 */
export async function scenario(name, body, { chromiumArgs = [] } = {}) {
  const browser = await launch(chromiumArgs);
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  const agents = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => log(`page exception: ${e.message}`));
  const t = { browser, context, page, agents };
  let ok = false;
  try {
    await body(t);
    ok = true;
  } catch (e) {
    log(`FAILED: ${e.stack || e}`);
    try {
      await page.screenshot({ path: join(env.work, `${name}-failure.png`), fullPage: true });
      log(`screenshot: ${join(env.work, `${name}-failure.png`)}`);
      log(`page text:\n${(await page.locator('body').innerText()).slice(0, 3000)}`);
    } catch { /* the page is gone */ }
  } finally {
    for (const a of agents) a.kill();
    await browser.close().catch(() => {});
  }
  if (ok) console.log('SCENARIO PASSED');
  process.exit(ok ? 0 : 1);
}

// Firefox's counterparts of the Chromium flags above: loopback ICE candidates (Firefox leaves
// them out by default), no mDNS names for host candidates, and (with FAKE_MEDIA) its generated
// camera and microphone without a prompt.
const FIREFOX_PREFS = {
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'browser.download.always_ask_before_handling_new_types': false,
};
const FIREFOX_FAKE_MEDIA = { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true };

/** The browser of this run (E2E_BROWSER), headless with a fresh profile. */
async function launch(chromiumArgs) {
  if (env.browser === 'firefox') {
    const fake = chromiumArgs.some((a) => FAKE_MEDIA.includes(a));
    return firefox.launch({
      channel: 'moz-firefox',
      executablePath: process.env.E2E_FIREFOX || '/usr/bin/firefox-esr',
      headless: true,
      firefoxUserPrefs: { ...FIREFOX_PREFS, ...(fake ? FIREFOX_FAKE_MEDIA : {}) },
      downloadsPath: browserDownloads(),
    });
  }
  return chromium.launch({ executablePath: process.env.E2E_CHROMIUM || '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...chromiumArgs] });
}

/** Where Firefox saves downloads in this run. */
function browserDownloads() {
  const dir = join(env.work, 'browser-downloads');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Clicks `link` (a download link) and saves what the browser downloads to `dest`. Chromium
 * reports the download to playwright; over WebDriver BiDi playwright gets no download event, so
 * for Firefox the file is awaited where Firefox saves it, complete (no `.part` beside it).
 */
export async function download(page, link, dest) {
  if (env.browser !== 'firefox') {
    const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
    await d.saveAs(dest);
    return;
  }
  const name = await link.getAttribute('download');
  const dir = browserDownloads();
  const file = join(dir, name);
  await link.click();
  const deadline = Date.now() + WAIT;
  for (;;) {
    const names = readdirSync(dir);
    if (names.includes(name) && !names.some((n) => n.endsWith('.part'))) break;
    check(Date.now() < deadline, `Firefox saved ${name} within ${WAIT} ms (the folder holds: ${names.join(', ') || 'nothing'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  copyFileSync(file, dest);
}

/** Saves a screenshot of the console for docs/screenshots (README). */
export async function shot(page, name) {
  // README's pictures are Chromium's; a run in another browser keeps them as they are.
  if (env.browser !== 'chromium') return;
  if (!env.shots) return;
  mkdirSync(env.shots, { recursive: true });
  await page.screenshot({ path: join(env.shots, `${name}.png`) });
}

export async function signIn(page, user = 'alice') {
  await page.goto(`${env.base}/${env.relay ? '?relay=1' : ''}`);
  await page.locator('#username').fill(user);
  await page.locator('#password').fill(env.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#start-form').waitFor({ timeout: WAIT });
}

/** Starts a session of the default type with a tracking code; returns the session id. */
export async function startSession(page, tracking = 'CASE-4711') {
  await page.locator('#tracking-code').fill(tracking);
  await page.locator('#start-session').click();
  await page.locator('#participants li').first().waitFor({ timeout: WAIT });
  return page.url().split('#/session/')[1];
}

/** Invites a customer and lets the agent join with the code read out; waits until the console is connected to it. */
/** The CSR on `page` invites a customer; returns the code and the link the dialog shows. */
export async function invite(page) {
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  const link = await page.locator('#invitation-link').inputValue();
  await page.getByRole('button', { name: 'Done' }).click();
  return { code, link };
}

/**
 * The customer opens the invitation `link` in a browser context of their own (no cookie, no
 * storage shared), chooses "Join in your browser" and joins as `name`; returns their page
 * (the join button pressed). `init`: an init script for the context (e.g. keepPeerConnections).
 */
export async function joinInBrowser(browser, link, name, { viewport = { width: 900, height: 900 }, init = null } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  if (init) await context.addInitScript(init);
  const cust = await context.newPage();
  cust.on('pageerror', (e) => log(`customer page exception: ${e.message}`));
  cust.on('console', (m) => { if (m.type() === 'error') log(`customer page error: ${m.text()}`); });
  await cust.goto(link);
  await cust.getByRole('link', { name: 'Join in your browser — no download' }).click();
  await cust.locator('#join-name').fill(name);
  check(!cust.url().includes('/join/'), `the page left the invitation's address (${cust.url()})`);
  await cust.locator('#join-button').click();
  return cust;
}

export async function inviteAgent(t, { extra = [], screenshot = false, name = 'Dana' } = {}) {
  const { page } = t;
  await page.locator('#invite-customer').click();
  const code = (await page.locator('#invitation-code').textContent()).trim();
  check(/^\d{3} \d{3} \d{3}$/.test(code), `a nine-digit code is shown (${code})`);
  check((await page.locator('#invitation-link').inputValue()).startsWith(`${env.base}/join/`), 'a join link is shown');
  if (screenshot) await shot(page, 'invite');
  await page.getByRole('button', { name: 'Done' }).click();
  const agent = new Agent(code, extra, name);
  t.agents.push(agent);
  await agent.expect('Connected to support session');
  await page.locator('#participants li[data-role=customer]', { hasText: name }).locator('.tag', { hasText: 'connected' }).first().waitFor({ timeout: WAIT });
  return agent;
}

/**
 * The real agent, typed at like a customer would. `opened`: a downloaded agent opened with no
 * arguments ({ exe, home }), in a home folder of its own, instead of `agent join <code> …`.
 */
export class Agent {
  constructor(code, extra = [], name = 'Dana', opened = null) {
    this.dir = opened ? opened.home : join(env.work, `agent-${randomBytes(3).toString('hex')}`);
    this.downloads = join(this.dir, 'downloads');
    this.shared = join(this.dir, 'shared');
    mkdirSync(this.downloads, { recursive: true });
    mkdirSync(this.shared, { recursive: true });
    const args = opened ? [] : ['join', code, '--server', env.base, '--name', name, '--download-dir', this.downloads, '--share', this.shared, ...extra];
    if (env.relay && !opened) args.push('--relay-only');
    const childEnv = { ...process.env, RUST_LOG: process.env.AGENT_LOG || 'warn' };
    if (opened) childEnv.HOME = opened.home;
    if (env.display) childEnv.DISPLAY = env.display;
    else delete childEnv.DISPLAY;
    this.child = spawn(opened ? opened.exe : env.agent, args, { env: childEnv, cwd: opened ? opened.home : undefined, stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = [];
    this.cursor = 0;
    this.waiters = [];
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      log(`agent│ ${line}`);
      this.lines.push(line);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Waits for a printed line containing `text` after the last one matched; returns it. */
  async expect(text, timeout = WAIT) {
    return this.expectFrom(this.cursor, text, timeout);
  }

  /**
   * Waits for a line with `text` printed at or after line `from` (0: since the agent started),
   * for lines whose order is not fixed (what a late joiner is told at once); the cursor moves
   * past the line found, never back.
   */
  async expectFrom(from, text, timeout = WAIT) {
    const deadline = Date.now() + timeout;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        if (this.lines[i].includes(text)) {
          this.cursor = Math.max(this.cursor, i + 1);
          return this.lines[i];
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the agent did not print ${JSON.stringify(text)}; it printed:\n${this.lines.join('\n')}`);
      await new Promise((r) => { const to = setTimeout(r, left); this.waiters.push(() => { clearTimeout(to); r(); }); });
    }
  }

  type(line) {
    log(`agent⌨ ${line}`);
    this.child.stdin.write(`${line}\n`);
  }

  kill() {
    this.child.kill();
  }
}

export function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A file of random bytes; returns its SHA-256. */
export function makeFile(path, bytes) {
  const data = randomBytes(bytes);
  writeFileSync(path, data);
  return createHash('sha256').update(data).digest('hex');
}

/** Opens a toolbar tab of the session view. */
/**
 * Colours ([r, g, b]) of the video element `id` as rendered, at `points` given as fractions of its
 * width and height; null before its first frame (or while it is hidden).
 */
export async function videoPixels(page, id, points) {
  return page.evaluate(([id, points]) => {
    const v = document.getElementById(id);
    if (!v.videoWidth || v.hidden) return null;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    return points.map(([x, y]) => [...g.getImageData(Math.floor(x * c.width), Math.floor(y * c.height), 1, 1).data].slice(0, 3));
  }, [id, points]);
}

export async function tab(page, key) {
  await page.locator(`#tab-${key}`).click();
}

/** Where the agent's X pointer is (`xdotool getmouselocation`). */
export function pointer() {
  const out = execFileSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: env.display } }).toString();
  const m = /x:(\d+) y:(\d+)/.exec(out);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** The pattern on the agent's Xvfb (src/pieces.rs PATTERN): top left, top right, bottom left, bottom right. */
export const PATTERN = [[0xe0, 0x20, 0x20], [0x20, 0xc0, 0x20], [0x20, 0x40, 0xe0], [0xf0, 0xf0, 0xf0]];

/** Colours at the centre of each quadrant of the rendered video `id`. */
export const quadrants = (page, id) => videoPixels(page, id, [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]]);

/** Whether quadrant colours `px` are the pattern's. */
export const isPattern = (px) => !!px && px.every((c, i) => c.every((v, j) => Math.abs(v - PATTERN[i][j]) < 40));

/**
 * The CSR asks to view the customer's screen, the customer says yes in the agent, and the
 * console's share video shows the pattern (checked); returns the colours seen.
 */
export async function viewScreen(page, agent) {
  await tab(page, 'share');
  await page.locator('#share-screen_view').click();
  await page.locator('#share-state', { hasText: "waiting for the customer's permission" }).waitFor();
  await agent.expect('asks to see your screen');
  agent.type('y');
  return waitForPattern(page);
}

/** Waits until the console's share video shows the Xvfb pattern (checked); returns the colours. */
export async function waitForPattern(page) {
  const deadline = Date.now() + WAIT;
  let seen = null;
  while (Date.now() < deadline) {
    seen = await quadrants(page, 'share-video');
    if (isPattern(seen)) break;
    await page.waitForTimeout(200);
  }
  check(isPattern(seen), `the video shows the pattern (saw ${JSON.stringify(seen)})`);
  return seen;
}

/**
 * The host invites the CSR `user` (S17), who signs in in a browser context of their own and
 * opens the live session from their history; returns their page and context.
 */
export async function inviteCsr(t, page, session, user = 'bob') {
  await page.locator('#invite-csr').click();
  await page.locator('#csr-username').fill(user);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const context = await t.browser.newContext({ viewport: { width: 1400, height: 860 } });
  const other = await context.newPage();
  await signIn(other, user);
  await other.goto(`${env.base}/#/history`);
  await other.locator(`#history tr[data-session="${session}"] a`, { hasText: 'live: open' }).click();
  return { page: other, context };
}

/**
 * Like inviteCsr, but the invited CSR `user` is already signed in (on the start page) in a
 * browser context of their own, is told by the live notice "<host> invites you to session
 * <tracking>" and joins with its Join button (S17); returns their page and context.
 */
export async function inviteCsrLive(t, page, { user = 'bob', host = 'Alice', tracking = 'CASE-4711' } = {}) {
  const context = await t.browser.newContext({ viewport: { width: 1400, height: 860 } });
  const other = await context.newPage();
  await signIn(other, user);
  await page.locator('#invite-csr').click();
  await page.locator('#csr-username').fill(user);
  await page.getByRole('button', { name: 'Invite', exact: true }).click();
  const notice = other.locator('#csr-notices .notice-card', { hasText: `${host} invites you to session ${tracking}` });
  await notice.waitFor({ timeout: WAIT });
  await notice.getByRole('button', { name: 'Join' }).click();
  await other.locator('#participants li[data-role=csr]').nth(1).waitFor({ timeout: WAIT });
  return { page: other, context };
}

/** The CSR starts their video (S9); waits until the console and the agent say it shows; returns the agent's line. */
export async function startCsrVideo(page, agent) {
  await tab(page, 'av');
  await page.locator('#video-start').click();
  await page.locator('#video-state', { hasText: 'Your video is shown to the customer' }).waitFor({ timeout: WAIT });
  return agent.expect("Alice's video is showing");
}

/** The CSR asks for the customer's camera (S9), the customer allows it, and the console says it shows. */
export async function allowCamera(page, agent) {
  await page.locator('#camera-ask').click();
  await agent.expect('Alice (support) asks to turn on your camera');
  agent.type('y');
  await page.locator('#video-state', { hasText: "Showing Dana's camera." }).waitFor({ timeout: WAIT });
}

/**
 * A webhook receiver on loopback (issue 16): `url` to register, `received` deliveries
 * ({headers, body}) in order, `event(i, secret)` the i-th delivery's event once its signature
 * (`webhook-signature: t=…,v1=hex HMAC-SHA256 of "t.body"`) is checked, `close()`.
 */
export async function webhookReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.end('ok'); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    received,
    event(i, secret) {
      const { headers, body } = received[i];
      const [stamp, v1] = headers['webhook-signature'].split(',');
      const want = createHmac('sha256', secret).update(`${stamp.slice(2)}.${body}`).digest('hex');
      check(v1 === `v1=${want}`, 'the signature verifies with the webhook\'s secret');
      return JSON.parse(body);
    },
    close: () => server.close(),
  };
}

/**
 * In control mode, clicks the console's view of the customer's 1280×720 screen at a quarter
 * across and three quarters down, and waits until the customer's pointer is at (320, 540).
 */
export async function clickAndSeeThePointerMove(page) {
  await page.waitForFunction(() => document.getElementById('share-video').videoWidth > 0, null, { timeout: WAIT });
  const box = await page.evaluate(() => {
    const v = document.getElementById('share-video');
    const r = v.getBoundingClientRect();
    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const w = v.videoWidth * s;
    const h = v.videoHeight * s;
    return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
  });
  await page.mouse.click(box.x + box.w * 0.25, box.y + box.h * 0.75);
  const deadline = Date.now() + WAIT;
  let p = pointer();
  while (Date.now() < deadline && (Math.abs(p.x - 320) > 8 || Math.abs(p.y - 540) > 8)) {
    await page.waitForTimeout(100);
    p = pointer();
  }
  check(Math.abs(p.x - 320) <= 8 && Math.abs(p.y - 540) <= 8, `the customer's pointer is at (320, 540) of 1280×720 (it is at ${p.x}, ${p.y})`);
}
