// S16: the chat said while recording, kept with the recording as WebVTT subtitles (a player
// shows each line over the picture when it was said) or as a plain-text side file.
import { displayable } from './policy.js';

/** Each line shows this long unless the next one comes sooner. */
const SHOWN_MS = 5000;

function clock(ms, sep = '.') {
  const t = Math.max(0, Math.floor(ms));
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(t / 3600000))}:${pad(Math.floor(t / 60000) % 60)}:${pad(Math.floor(t / 1000) % 60)}${sep}${pad(t % 1000, 3)}`;
}

/** One chat line: `at` milliseconds after recording started, who said it to whom, the text. */
export class Transcript {
  constructor() {
    this.lines = [];
  }

  add(at, from, to, text) {
    this.lines.push({ at, from, to, text: displayable(text, true) });
  }

  /** WebVTT: one cue per message, "Name: text", shown until the next or for 5 s. */
  vtt() {
    const cues = this.lines.map((l, i) => {
      const next = this.lines[i + 1];
      const end = Math.max(l.at + 500, Math.min(l.at + SHOWN_MS, next ? next.at : Infinity));
      // A cue's text cannot hold a blank line or "-->".
      const text = `${l.from}: ${l.text}`.replace(/-->/g, '->').replace(/\n\s*\n/g, '\n');
      return `${i + 1}\n${clock(l.at)} --> ${clock(end)}\n${text}\n`;
    });
    return ['WEBVTT', '', ...cues].join('\n');
  }

  /** Plain text: "[00:00:03] Dana → everyone: text", one message a line. */
  text() {
    return this.lines.map((l) => `[${clock(l.at, '').slice(0, 8)}] ${l.from} → ${l.to}: ${l.text}`).join('\n') + '\n';
  }
}
