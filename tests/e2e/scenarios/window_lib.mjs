// The agent's window as a customer uses it: started with no arguments on the scenario's Xvfb,
// its controls found the way a screen reader finds them (AT-SPI, through AccessKit: atspi.py)
// and, for the always-on-top bar (a second OS window, which eframe does not expose to AT-SPI),
// by its text on screen: a screenshot of the bar, tesseract's word boxes, an xdotool click.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { env, log } from './lib.mjs';

const PYTHON = '/usr/bin/python3';
const ATSPI = join(import.meta.dirname, 'atspi.py');

export class WindowAgent {
  /** Starts a session bus for a customer whose home folder is `home`; `open` starts the rest. */
  constructor(home = join(env.work, 'window-home')) {
    this.home = home;
    this.downloads = join(this.home, 'Downloads');
    mkdirSync(this.downloads, { recursive: true });
    this.children = [];
    const busDir = join(env.work, 'bus');
    mkdirSync(busDir, { recursive: true });
    this.bus = `unix:path=${join(busDir, 'session')}`;
    this.env = { ...process.env, DISPLAY: env.display, DBUS_SESSION_BUS_ADDRESS: this.bus, HOME: this.home, XDG_RUNTIME_DIR: busDir, NO_AT_BRIDGE: '0' };
    this.start('dbus-daemon', ['--session', '--nofork', `--address=${this.bus}`]);
  }

  start(cmd, args, opts = {}) {
    const c = spawn(cmd, args, { env: this.env, stdio: ['ignore', 'ignore', 'inherit'], ...opts });
    this.children.push(c);
    return c;
  }

  /**
   * Waits for the buses, then opens the window: `agent` with no arguments, or the file `exe`
   * (a downloaded agent) with none. Returns the ms from start until the window shows `until`.
   */
  async open({ exe = env.agent, until: shown = 'Join a support session', told = true } = {}) {
    await until(() => { try { execFileSync('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.ListNames'], { env: this.env, stdio: 'ignore' }); return true; } catch { return false; } }, 'the session bus');
    this.start('/usr/libexec/at-spi-bus-launcher', ['--launch-immediately']);
    await until(() => { try { execFileSync('gdbus', ['call', '--session', '--dest', 'org.a11y.Bus', '--object-path', '/org/a11y/bus', '--method', 'org.a11y.Bus.GetAddress'], { env: this.env, stdio: 'ignore' }); return true; } catch { return false; } }, 'the AT-SPI bus');
    // What a screen reader does when it starts: tells applications that accessibility is on.
    execFileSync('gdbus', ['call', '--session', '--dest', 'org.a11y.Bus', '--object-path', '/org/a11y/bus', '--method', 'org.freedesktop.DBus.Properties.Set', 'org.a11y.Status', 'IsEnabled', '<true>'], { env: this.env, stdio: 'ignore' });
    // The test pattern as the screen's background (the harness drew it once): where the window
    // was before it is moved aside, the X server paints the pattern back, as on a desktop.
    const pattern = join(env.work, 'pattern.png');
    execFileSync('convert', ['-size', '640x360', 'xc:#e02020', 'xc:#20c020', '+append', '(', '-size', '640x360', 'xc:#2040e0', 'xc:#f0f0f0', '+append', ')', '-append', pattern]);
    spawnSync('display', ['-window', 'root', pattern], { env: this.env, timeout: 10_000 });
    const started = Date.now();
    // A downloaded agent knows its site. The one already on the computer is told by the
    // environment (as a site's packaged agent is), unless `told` is false: then the customer
    // types the site on the Join screen.
    const agentEnv = { ...this.env, RUST_LOG: process.env.AGENT_LOG || 'warn' };
    if (exe === env.agent && told) agentEnv.AGENT_SERVER = env.base;
    this.app = basename(exe);
    this.agent = spawn(exe, [], { env: agentEnv, cwd: this.home, stdio: ['ignore', 'inherit', 'inherit'] });
    this.children.push(this.agent);
    await this.wait(shown);
    return Date.now() - started;
  }

  atspi(...args) {
    return execFileSync(PYTHON, [ATSPI, ...args], { env: { ...this.env, ATSPI_APP: this.app }, encoding: 'utf8', timeout: 40_000 }).trim();
  }

  /** Presses the button named `name` (found over AT-SPI). */
  click(name) {
    log(`window: click ${JSON.stringify(name)}`);
    this.atspi('click', name);
  }

  /** Types `text` into the field labelled `name`. */
  fill(name, text) {
    log(`window: ${name} ← ${JSON.stringify(text)}`);
    this.atspi('set', name, text);
  }

  /** Waits until some control shows `text`; returns its whole text. */
  async wait(text) {
    return this.atspi('wait', text);
  }

  /** Waits until no control shows `text`. */
  async gone(text) {
    return this.atspi('gone', text);
  }

  /** Colours ([r, g, b]) of the screen inside the control named `name`, at `points` given as
   * fractions of its width and height (read from a screenshot of the X screen). */
  pixels(name, points) {
    const [x, y, w, h] = this.atspi('extents', name).split(' ').map(Number);
    return points.map(([fx, fy]) => {
      const px = Math.round(x + fx * w);
      const py = Math.round(y + fy * h);
      const out = execFileSync('convert', ['x:root', '-crop', `1x1+${px}+${py}`, '-depth', '8', 'txt:-'], { env: this.env, encoding: 'utf8' });
      const m = out.match(/\((\d+),(\d+),(\d+)/);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
    });
  }

  names() {
    return this.atspi('names');
  }

  /** The always-on-top bar's X window id, or null when no bar is shown. */
  barWindow() {
    try {
      return execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Support: '], { env: this.env, encoding: 'utf8' }).trim().split('\n')[0] || null;
    } catch {
      return null;
    }
  }

  /** Waits for the bar; returns its window id and title. */
  async bar() {
    let id = null;
    await until(() => (id = this.barWindow()) !== null, 'the always-on-top bar');
    const title = execFileSync('xdotool', ['getwindowname', id], { env: this.env, encoding: 'utf8' }).trim();
    return { id, title };
  }

  /**
   * Finds the word `word` on the bar by reading a screenshot of it (tesseract) and moves the
   * pointer there; `press()` then clicks. Returns the position found.
   */
  aimAtBarWord(id, word) {
    const png = join(env.work, 'bar.png');
    const big = join(env.work, 'bar-3x.png');
    execFileSync('import', ['-window', id, png], { env: this.env });
    execFileSync('convert', [png, '-resize', '300%', big]);
    const tsv = execFileSync('tesseract', [big, '-', 'tsv'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const hit = tsv.split('\n').map((l) => l.split('\t')).find((f) => f[11] && f[11].trim() === word);
    if (!hit) throw new Error(`"${word}" is not on the bar; tesseract read:\n${tsv}`);
    const [left, top, width, height] = hit.slice(6, 10).map(Number);
    const x = Math.round((left + width / 2) / 3);
    const y = Math.round((top + height / 2) / 3);
    execFileSync('xdotool', ['mousemove', '--window', id, String(x), String(y)], { env: this.env });
    return { x, y };
  }

  /** Moves the main window, as a customer drags it aside (no window manager runs on Xvfb). */
  moveWindow(x, y) {
    const id = execFileSync('xdotool', ['search', '--onlyvisible', '--name', '^Remote support'], { env: this.env, encoding: 'utf8' }).trim().split('\n')[0];
    execFileSync('xdotool', ['windowmove', id, String(x), String(y)], { env: this.env });
  }

  press() {
    execFileSync('xdotool', ['click', '1'], { env: this.env });
  }

  /** A screenshot of the whole Xvfb screen into docs/screenshots (when refreshing) or target/. */
  shot(name) {
    if (!env.shots) return;
    mkdirSync(env.shots, { recursive: true });
    execFileSync('import', ['-window', 'root', join(env.shots, `${name}.png`)], { env: this.env });
  }

  kill() {
    for (const c of this.children.reverse()) c.kill();
  }
}

async function until(cond, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
