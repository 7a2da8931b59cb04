// Benchmark (run by ../benches/file_transfer.rs, not a test): one file of BENCH_BYTES moved
// through the real console and the real agent, both ways (advanced transfer, the customer says
// yes in the agent's terminal), beside two Chromiums moving the same file over a data channel
// of their own (what a browser-only tool gets). Prints one `RESULT {json}` line per transfer.
//
// Timestamps are taken here, on one clock: the pages report their moments through an exposed
// function, the agent's received bytes are watched in its folder.
import { chromium } from 'playwright-core';
import { scenario, signIn, startSession, inviteAgent, tab, check, env, WAIT, log } from '../scenarios/lib.mjs';
import { openSync, writeSync, closeSync, linkSync, readdirSync, statSync, readFileSync, writeFileSync, unlinkSync, createReadStream } from 'node:fs';
import { randomFillSync, createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const BYTES = Number(process.env.BENCH_BYTES || 64 * 1024 * 1024);
const PARTS = (process.env.BENCH_PARTS || 'agent,c2c').split(',');
const CHROMIUM_A = process.env.BENCH_CHROMIUM_A || '/usr/bin/chromium';
const CHROMIUM_B = process.env.BENCH_CHROMIUM_B || '/usr/bin/chromium';
const LIMIT = Number(process.env.BENCH_LIMIT_MS || 1_800_000);
// As lib.mjs, plus real host addresses in the candidates: two Chromiums cannot resolve each
// other's mDNS names where there is no multicast (a namespace, a container).
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];
const MIB = 1024 * 1024;

const now = () => performance.now();
const result = (r) => console.log(`RESULT ${JSON.stringify(r)}`);

/** A file of `bytes` random bytes, written in 4 MiB blocks. */
function makeData(path, bytes) {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4 * MIB);
  for (let left = bytes; left > 0; left -= block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(left, block.length));
  }
  closeSync(fd);
}

/** SHA-256 of a file, streamed. */
function fileSha(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** utime+stime in seconds and the peak RSS in KiB of a process. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(f[11]) + Number(f[12])) / 100;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number((new RegExp(`${key}:\\s+(\\d+)`).exec(status) || [0, 0])[1]);
  return { cpu, hwm: kib('VmHWM'), rss: kib('VmRSS') };
}

/** utime+stime in seconds of every process below this one, but `except` (the agent): the browsers. */
function browsersCpu(except) {
  const procs = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* gone */ }
  }
  const below = (pid) => { for (let p = pid; p > 1; p = procs.get(p)?.ppid ?? 0) if (p === process.pid) return true; return false; };
  let cpu = 0;
  for (const [pid, p] of procs) if (pid !== process.pid && pid !== except && below(pid)) cpu += p.cpu;
  return cpu;
}

/** Restarts VmHWM from the current RSS (clear_refs 5), so the peak is the transfer's. */
function resetPeak(pid) {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch (e) { log(`cannot reset the peak RSS: ${e.message}`); }
}

/** Resolves with the time the hidden partial file in `dir` first holds `size` bytes. */
function watchPartial(dir, size) {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      for (const n of readdirSync(dir)) {
        if (!n.startsWith('.')) continue;
        try {
          if (statSync(join(dir, n)).size >= size) { clearInterval(timer); resolve(now()); return; }
        } catch { /* renamed meanwhile */ }
      }
    }, 5);
  });
}

/** Marks reported by the console page: a transfer row's state and progress, by file name. */
async function watchRows(page) {
  const marks = new Map();
  const waiters = [];
  await page.exposeFunction('benchMark', (name, what) => {
    const key = `${name}:${what}`;
    if (!marks.has(key)) marks.set(key, now());
    for (const w of waiters.splice(0)) w();
  });
  await page.addInitScript(() => {
    const seen = new Set();
    const scan = () => {
      for (const row of document.querySelectorAll('#transfers tr')) {
        const name = row.querySelector('.fname')?.textContent;
        const state = row.querySelector('.state');
        const marks = [];
        if (state) for (const s of ['moving', 'done', 'failed']) if (state.classList.contains(s)) marks.push(s);
        for (const m of marks) {
          if (!seen.has(`${name}:${m}`)) { seen.add(`${name}:${m}`); window.benchMark(name, m); }
        }
      }
    };
    const observe = () => new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    if (document.body) observe();
    else document.addEventListener('DOMContentLoaded', observe);
  });
  // The last byte of a pull, counted on the console's own `file:` channels.
  await page.addInitScript((size) => {
    const Base = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        this.addEventListener('datachannel', (ev) => {
          let got = 0;
          ev.channel.addEventListener('message', (m) => {
            got += m.data.byteLength || m.data.size || 0;
            if (got === size) window.benchMark('pull.bin', 'all-bytes');
          });
        });
      }
    };
  }, BYTES);
  return async (name, what, timeout = LIMIT) => {
    const deadline = Date.now() + timeout;
    for (;;) {
      const failed = marks.get(`${name}:failed`);
      if (failed && what !== 'failed') throw new Error(`${name} failed: ${await page.locator('#transfers').innerText()}`);
      const t = marks.get(`${name}:${what}`);
      if (t !== undefined) return t;
      if (Date.now() > deadline) throw new Error(`no ${what} for ${name}`);
      await new Promise((r) => { const to = setTimeout(r, 200); waiters.push(() => { clearTimeout(to); r(); }); });
    }
  };
}

async function agentWays(t, data) {
  const { page } = t;
  const mark = await watchRows(page);
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  const pid = agent.child.pid;
  await tab(page, 'files');
  linkSync(data, join(agent.shared, 'pull.bin'));
  await page.locator('#open-advanced').click();
  await agent.expect('asks to open file transfer with your computer');
  agent.type('y');
  const idle = usage(pid);

  // Agent → console.
  const entry = page.locator('#listing tr[data-name="pull.bin"]');
  await entry.waitFor({ timeout: WAIT });
  await entry.getByRole('button', { name: 'Copy to me' }).click();
  await agent.expect('asks to copy pull.bin');
  resetPeak(pid);
  const u0 = usage(pid);
  const asked = now();
  agent.type('y');
  const start = await mark('pull.bin', 'moving');
  const u1 = usage(pid);
  const b1 = browsersCpu(pid);
  const wire = await mark('pull.bin', 'all-bytes');
  const u2 = usage(pid);
  const b2 = browsersCpu(pid);
  const done = await mark('pull.bin', 'done');
  const u3 = usage(pid);
  // The file the console kept can be saved, whole (outside the timings).
  const row = page.locator('#transfers tr', { hasText: 'pull.bin' });
  // A failed save is reported (a product problem to look at) without losing the figures.
  const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a.save-link').click()]);
  const saved = join(env.work, 'saved.bin');
  let savedOk = true;
  try {
    await download.saveAs(saved);
  } catch (e) {
    savedOk = false;
    log(`PROBLEM: saving the pulled file from the console failed: ${e.message} (download failure: ${await download.failure()})`);
  }
  if (savedOk) {
    check(await fileSha(saved) === await fileSha(data), 'the file saved from the console has the SHA-256 of the original');
    unlinkSync(saved);
  }
  result({ part: 'agent', way: 'agent_to_console', bytes: BYTES, prepare_s: (start - asked) / 1000, wire_s: (wire - start) / 1000, end_to_end_s: (done - start) / 1000,
    cpu_s: u3.cpu - u0.cpu, cpu_wire_s: u2.cpu - u1.cpu, browser_cpu_wire_s: b2 - b1, peak_kib: u3.hwm, idle_rss_kib: idle.rss });

  // Console → agent: a copy of the same bytes into the shared folder.
  await page.locator('#push-file').setInputFiles(data);
  await agent.expect('asks to send you data.bin');
  resetPeak(pid);
  const p0 = usage(pid);
  const pAsked = now();
  const landed = watchPartial(agent.shared, BYTES);
  agent.type('y');
  const pStart = await mark('data.bin', 'moving');
  const q1 = usage(pid);
  const c1 = browsersCpu(pid);
  const pWire = await landed;
  const q2 = usage(pid);
  const c2 = browsersCpu(pid);
  const pDone = await mark('data.bin', 'done');
  const p3 = usage(pid);
  result({ part: 'agent', way: 'console_to_agent', bytes: BYTES, prepare_s: (pStart - pAsked) / 1000, wire_s: (pWire - pStart) / 1000, end_to_end_s: (pDone - pStart) / 1000,
    cpu_s: p3.cpu - p0.cpu, cpu_wire_s: q2.cpu - q1.cpu, browser_cpu_wire_s: c2 - c1, peak_kib: p3.hwm, idle_rss_kib: idle.rss });
  await page.locator('#end-advanced').click();
}

/** Two Chromiums, one page each, a data channel between them; SDP passed by this script. */
async function chromiumWays(data) {
  const launch = (exe) => chromium.launch({ executablePath: exe, headless: true, args: ARGS });
  const [ba, bb] = await Promise.all([launch(CHROMIUM_A), launch(CHROMIUM_B)]);
  try {
    const [pa, pb] = await Promise.all([ba.newPage(), bb.newPage()]);
    const marks = new Map();
    for (const [p, who] of [[pa, 'a'], [pb, 'b']]) {
      await p.exposeFunction('benchMark', (what) => { marks.set(`${who}:${what}`, now()); });
      p.on('console', (m) => { if (m.type() === 'error') log(`page ${who}: ${m.text()}`); });
      await p.setContent('<input type="file" id="f">');
      await p.evaluate(pageCode);
    }
    const offer = await pa.evaluate(() => window.bench.offer());
    const answer = await pb.evaluate((sdp) => window.bench.answer(sdp), offer);
    await pa.evaluate((sdp) => window.bench.accept(sdp), answer);
    await Promise.all([pa.evaluate(() => window.bench.opened()), pb.evaluate(() => window.bench.opened())]);
    await pa.locator('#f').setInputFiles(data);
    await pb.locator('#f').setInputFiles(data);
    for (const [from, to, way] of [[pa, pb, 'a_to_b'], [pb, pa, 'b_to_a']]) {
      marks.clear();
      const got = to.evaluate((n) => window.bench.receive(n), BYTES);
      const b0 = browsersCpu(0);
      await from.evaluate(() => window.bench.send());
      const received = await got;
      const b1 = browsersCpu(0);
      if (received !== BYTES) throw new Error(`${way}: ${received} bytes arrived of ${BYTES}`);
      const start = marks.get(`${way[0]}:start`);
      const end = marks.get(`${way.at(-1)}:end`);
      result({ part: 'c2c', way, bytes: BYTES, wire_s: (end - start) / 1000, browser_cpu_wire_s: b1 - b0 });
    }
  } finally {
    await Promise.all([ba.close(), bb.close()]);
  }
}

/** Runs in each page of the Chromium pair: the console's sendFile loop (peer.js) and a counter. */
function pageCode() {
  const CHUNK_BYTES = 64 * 1024;
  const HIGH_WATER = 4 * 1024 * 1024;
  const LOW_WATER = 1024 * 1024;
  const pc = new RTCPeerConnection();
  let ch = null;
  let opened;
  const open = new Promise((r) => { opened = r; });
  const use = (c) => { ch = c; ch.binaryType = 'arraybuffer'; ch.bufferedAmountLowThreshold = LOW_WATER; ch.onopen = opened; if (c.readyState === 'open') opened(); };
  pc.ondatachannel = (ev) => use(ev.channel);
  const gathered = () => new Promise((r) => {
    if (pc.iceGatheringState === 'complete') r();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); };
  });
  window.bench = {
    async offer() {
      use(pc.createDataChannel('file', { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered();
      return pc.localDescription.sdp;
    },
    async answer(sdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered();
      return pc.localDescription.sdp;
    },
    async accept(sdp) { await pc.setRemoteDescription({ type: 'answer', sdp }); },
    opened: () => open,
    async send() {
      const file = document.getElementById('f').files[0];
      window.benchMark('start');
      let pos = 0;
      while (pos < file.size) {
        if (ch.bufferedAmount > HIGH_WATER) {
          await new Promise((r) => { ch.onbufferedamountlow = r; });
          continue;
        }
        const buf = await file.slice(pos, Math.min(file.size, pos + CHUNK_BYTES)).arrayBuffer();
        ch.send(buf);
        pos += buf.byteLength;
      }
    },
    receive(size) {
      return new Promise((resolve) => {
        let got = 0;
        ch.onmessage = (ev) => {
          got += ev.data.byteLength;
          if (got >= size) { window.benchMark('end'); ch.onmessage = null; resolve(got); }
        };
      });
    },
  };
}

// ---------- main ----------

const data = join(env.work, 'data.bin');
const t0 = now();
makeData(data, BYTES);
log(`made ${BYTES / MIB} MiB of random data in ${((now() - t0) / 1000).toFixed(1)} s`);

let ok = true;
if (PARTS.includes('c2c')) {
  try { await chromiumWays(data); } catch (e) { ok = false; log(`Chromium ⇄ Chromium failed: ${e.stack || e}`); }
}
if (PARTS.includes('agent')) {
  // The scenario frame of lib.mjs: one Chromium with the console, the real agent, verdict line.
  if (!ok) process.exit(1);
  await scenario('file_transfer_bench', (t) => agentWays(t, data));
} else {
  if (ok) console.log('SCENARIO PASSED');
  process.exit(ok ? 0 : 1);
}
