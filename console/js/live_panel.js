// A panel that asks signaling again every few seconds while it is in the page, and ticks once a
// second (waits and lengths counting up in place). Once it is no longer in the page it stops
// both; until its first answer it may not be in the page yet. Subclasses give `this.el`,
// `this.problem` (an alert line), `fetch()` (what to ask, then draw) and `tick()`.
import { describe } from './api.js';

export class LivePanel {
  constructor(everyMs) {
    this.everyMs = everyMs;
    this.at = 0;
    this.ticker = setInterval(() => this.tick(), 1000);
  }

  alive() {
    if (this.el.isConnected || !this.at) return true;
    clearInterval(this.ticker);
    clearTimeout(this.timer);
    return false;
  }

  say(err) {
    this.problem.textContent = err ? describe(err) : '';
    this.problem.hidden = !err;
  }

  async poll() {
    clearTimeout(this.timer);
    try {
      await this.fetch();
    } catch (e) {
      this.say(e);
    }
    this.at = this.at || Date.now();
    if (this.alive()) this.timer = setTimeout(() => this.poll(), this.everyMs);
  }
}
