// Benchmark script (benches/browser_screen.rs): the CSR views the customer's desktop in the
// real console; from then on every frame the console's video presents is recorded
// (requestVideoFrameCallback) with the colour of the square the Rust side repaints on the
// agent's Xvfb. Prints `READY` once the picture shows, then obeys commands on stdin:
//   stats LABEL   → `STATS {"label":…, "stats":{inbound-rtp video}}`
//   frames        → `FRAMES [[callback, presented, expected, received, presentedFrames, colour], …]`
//   stop          → the customer revokes the view; `STOPPED {}`
//   baseline N    → Chromium→Chromium over a loopback peer connection, a 1920×1080 canvas
//                   repainted at 30 fps whose square changes colour N times at recorded times,
//                   measured the same way: `BASELINE {"toggles":[[wall, colour], …], "frames":[…], "stats":{…}}`
//   quit
import { scenario, signIn, startSession, inviteAgent, tab, WAIT, check } from '../scenarios/lib.mjs';
import { Commands, emit, keepPeerConnections, probeFrames, inboundVideo } from './common.mjs';

const probe = JSON.parse(process.env.BENCH_PROBE);

scenario('bench_screen_latency', async (t) => {
  const { page, context } = t;
  const commands = new Commands();
  await page.addInitScript(keepPeerConnections);
  await signIn(page);
  await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'share');
  await page.locator('#share-screen_view').click();
  await agent.expect('asks to see your screen');
  agent.type('y');
  await page.waitForFunction(() => document.getElementById('share-video').videoWidth > 0, null, { timeout: WAIT });
  const size = await page.evaluate(probeFrames, { video: 'share-video', ...probe });
  emit('READY', { size });
  for (;;) {
    const [command, arg] = (await commands.next()).split(' ');
    if (command === 'stats') {
      emit('STATS', { label: arg, at: await page.evaluate(() => performance.timeOrigin + performance.now()), stats: await page.evaluate(inboundVideo) });
    } else if (command === 'frames') {
      emit('FRAMES', await page.evaluate(() => document.getElementById('share-video').__frames));
    } else if (command === 'stop') {
      agent.type('revoke screen_view');
      await page.locator('#share-state.revoked').waitFor({ timeout: WAIT });
      emit('STOPPED', {});
    } else if (command === 'baseline') {
      const other = await context.newPage();
      await other.goto('about:blank');
      await other.evaluate(`window.__probeFrames = ${probeFrames}; window.__inboundVideo = ${inboundVideo};`);
      emit('BASELINE', await other.evaluate(baseline, { ...probe, toggles: Number(arg) }));
      await other.close();
    } else if (command === 'quit') {
      break;
    } else {
      check(false, `unknown command ${command}`);
    }
  }
});

/** In a blank page: the Chromium→Chromium reference, measured as the console's video is. */
async function baseline({ x, y, square, sample, palette, screenWidth, screenHeight, toggles }) {
  const wallNow = () => performance.timeOrigin + performance.now();
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const css = (c) => `#${c.toString(16).padStart(6, '0')}`;
  const canvas = document.createElement('canvas');
  canvas.width = screenWidth;
  canvas.height = screenHeight;
  const g = canvas.getContext('2d');
  const quadrants = [0xe02020, 0x20c020, 0x2040e0, 0xf0f0f0];
  const [w, h] = [screenWidth / 2, screenHeight / 2];
  [[0, 0], [w, 0], [0, h], [w, h]].forEach(([qx, qy], i) => { g.fillStyle = css(quadrants[i]); g.fillRect(qx, qy, w, h); });
  let colour = 0;
  // A screen capturer ticking at 30 fps, as the agent's (SHARE_FPS): a change is picked up at the next tick.
  const paint = () => { g.fillStyle = css(palette[colour]); g.fillRect(x - square / 2, y - square / 2, square, square); };
  paint();
  const tick = setInterval(paint, 1000 / 30);
  const stream = canvas.captureStream(30);
  const track = stream.getVideoTracks()[0];
  track.contentHint = 'detail';
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  a.addTrack(track, stream);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.style.width = '960px';
  document.body.append(video);
  b.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); video.play().catch(() => {}); };
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const deadline = Date.now() + 20000;
  while (video.videoWidth < screenWidth && Date.now() < deadline) await sleep(50);
  await sleep(1000);
  window.__probeFrames({ video, x, y, sample, palette, screenWidth });
  const times = [];
  let seed = 4711;
  for (let i = 0; i < toggles; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    await sleep(120 + (seed % 160));
    colour = (colour + 1) % palette.length;
    times.push([wallNow(), colour]);
  }
  await sleep(1000);
  clearInterval(tick);
  const stats = await window.__inboundVideo([b]);
  video.__probeStopped = true;
  a.close();
  b.close();
  return { toggles: times, frames: video.__frames, width: video.videoWidth, stats };
}
