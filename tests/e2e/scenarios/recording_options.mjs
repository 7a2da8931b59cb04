// S16 "choosing a recording option": the CSR chooses what is recorded and where it is kept;
// the customer reads in the agent when recording starts and stops, and the CSRs see it in the
// chat log. The WebM has a duration and seeks (ffprobe, ffmpeg and Chromium's own player), and
// the chat said while recording is kept beside it: as WebVTT subtitles with the session, then
// as a text file saved to the CSR's computer.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, signIn, startSession, inviteAgent, check, tab, env, log, WAIT } from './lib.mjs';

/** ffprobe's duration of a media file, in seconds (NaN when it has none). */
function duration(file) {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file]).toString().trim();
  return Number(out);
}

/** The file has a duration and seeks: a frame decodes from its middle, and a seek near its end starts past its beginning. */
function checkSeekable(file) {
  const d = duration(file);
  check(d > 2, `the recording has a duration of the seconds recorded (ffprobe: ${d})`);
  execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-ss', String(d / 2), '-i', file, '-frames:v', '1', '-f', 'null', '-']);
  const at = (d - 0.3).toFixed(2);
  const first = execFileSync('ffprobe', ['-v', 'error', '-read_intervals', `${at}%+#1`, '-select_streams', 'v', '-show_entries', 'frame=pts_time', '-of', 'default=nw=1:nk=1', file])
    .toString().trim().split('\n')[0];
  // Where a seek lands depends on the key frames Chromium's encoder wrote (asked for every 2 s,
  // not always given under load): logged, not checked.
  check(first !== undefined && first !== '', `a seek to ${at} s reads a frame`);
  log(`${file}: ${d} s, seeks (to ${at} s: frame at ${first} s)`);
  return d;
}

async function choose(page, { cameras, audio, chat, keep }) {
  await page.locator('#recording-screen').setChecked(true);
  await page.locator('#recording-cameras').setChecked(cameras);
  await page.locator('#recording-audio').setChecked(audio);
  await page.locator('#recording-chat').selectOption(chat);
  await page.locator(`#recording-keep-${keep}`).check();
}

/** Records for a few seconds while the customer says `line` in the chat. */
async function record(page, agent, line) {
  await page.locator('#recording-start').click();
  await page.locator('#recording-state', { hasText: 'Recording…' }).waitFor({ timeout: WAIT });
  check(await page.locator('#recording-audio').isDisabled(), 'the options cannot change while recording');
  await agent.expect('Recording started: Alice (support) is recording this session.');
  await page.locator('#chat-log li.system', { hasText: 'You started recording the session; Dana is told.' }).last().waitFor({ state: 'attached', timeout: WAIT });
  await page.waitForTimeout(1000);
  agent.type(`chat ${line}`);
  await page.locator('#chat-log li', { hasText: line }).waitFor({ state: 'attached', timeout: WAIT });
  await page.waitForTimeout(4000);
  await page.locator('#recording-stop').click();
  await agent.expect('Recording stopped: this session is no longer recorded.');
  await page.locator('#chat-log li.system', { hasText: 'Recording stopped; Dana is told.' }).last().waitFor({ state: 'attached', timeout: WAIT });
}

scenario('recording_options', async (t) => {
  const { page } = t;
  await signIn(page);
  const session = await startSession(page);
  const agent = await inviteAgent(t);
  await tab(page, 'recording');
  await page.locator('#recording-ask').click();
  await agent.expect('asks to record this session');
  agent.type('y');
  await page.locator('#recording-permission', { hasText: 'allowed' }).waitFor({ timeout: WAIT });

  // Kept with the session, the chat as subtitles.
  await choose(page, { cameras: false, audio: true, chat: 'subtitles', keep: 'server' });
  await record(page, agent, 'hello while recording');
  await page.locator('#recording-state', { hasText: 'Recording saved with the session' }).waitFor({ timeout: WAIT });
  check((await page.locator('#recording-state').textContent()).includes('with the chat'), 'the chat was kept too');
  const stored = await page.evaluate(async (id) => {
    const d = await (await fetch(`/api/sessions/${id}`)).json();
    const saved = d.record.filter((x) => x.kind === 'recording_saved');
    const rec = saved[0].detail.recording;
    const url = `/api/sessions/${id}/recordings/${rec}`;
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const chat = await fetch(`${url}/chat`);
    // Chromium's own player (the file as the CSR saves it: the download has no range requests):
    // a finite duration, and a seek to the middle lands.
    const v = document.createElement('video');
    v.muted = true;
    v.preload = 'auto';
    v.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
    await new Promise((ok, no) => { v.onloadedmetadata = ok; v.onerror = () => no(new Error('the recording does not load')); });
    const playerDuration = v.duration;
    await new Promise((ok) => { v.oncanplay = ok; setTimeout(ok, 5000); });
    const seeking = new Promise((ok) => { v.onseeked = () => ok(v.currentTime); setTimeout(() => ok(null), 10000); });
    v.currentTime = playerDuration / 2;
    const seeked = await seeking;
    return { count: saved.length, b64: btoa(s), chatType: chat.headers.get('content-type'), chatText: await chat.text(), playerDuration, seeked };
  }, session);
  check(stored.count === 1, `one recording is kept with the session (${stored.count})`);
  const file = join(env.work, 'kept.webm');
  writeFileSync(file, Buffer.from(stored.b64, 'base64'));
  const d = checkSeekable(file);
  check(Number.isFinite(stored.playerDuration) && Math.abs(stored.playerDuration - d) < 1, `Chromium's player shows its duration (${stored.playerDuration})`);
  check(stored.seeked !== null && stored.seeked > 0, `Chromium's player seeks to its middle (${stored.seeked})`);
  check(stored.chatType.startsWith('text/vtt'), `the chat is kept as WebVTT (${stored.chatType})`);
  check(stored.chatText.startsWith('WEBVTT') && /\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\nDana: hello while recording/.test(stored.chatText),
    `the subtitles show what Dana said, when (${JSON.stringify(stored.chatText)})`);

  // Saved to the CSR's computer, the chat as a side file; nothing more is stored with the session.
  await choose(page, { cameras: true, audio: false, chat: 'file', keep: 'computer' });
  const downloads = [];
  page.on('download', (dl) => downloads.push(dl));
  await record(page, agent, 'a second take');
  await page.locator('#recording-state', { hasText: 'Recording saved to your computer' }).waitFor({ timeout: WAIT });
  const deadline = Date.now() + WAIT;
  while (downloads.length < 2 && Date.now() < deadline) await page.waitForTimeout(200);
  const names = downloads.map((dl) => dl.suggestedFilename());
  const video = downloads.find((dl) => dl.suggestedFilename().endsWith('.webm'));
  const text = downloads.find((dl) => dl.suggestedFilename().endsWith('-chat.txt'));
  check(video && text, `the recording and its chat are saved to the computer (${names})`);
  const local = join(env.work, 'saved.webm');
  await video.saveAs(local);
  checkSeekable(local);
  const streams = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', local]).toString().trim();
  check(streams === 'video', `without the call's audio chosen, the file has no sound track (${streams})`);
  const chatFile = join(env.work, 'saved-chat.txt');
  await text.saveAs(chatFile);
  const said = readFileSync(chatFile, 'utf8');
  check(/^\[\d\d:\d\d:\d\d\] Dana → everyone: a second take$/m.test(said), `the chat file holds what Dana said (${JSON.stringify(said)})`);
  const count = await page.evaluate(async (id) => (await (await fetch(`/api/sessions/${id}`)).json()).record.filter((x) => x.kind === 'recording_saved').length, session);
  check(count === 1, `a recording saved to the computer is not uploaded (${count} stored)`);
});
