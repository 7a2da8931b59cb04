// The model of a support session that the random whole-session walk (whole_session_walk.mjs)
// keeps beside the real one: who is in it, what the customer allowed to whom and for how long
// (S21: "once" ends with the activity it allowed; control includes seeing; revoking either of
// a pair ends both), what runs, and what each screen should therefore show. Pure: no browser,
// no agent.

/** What the agent's prompt and grant list say a capability is for (protocol `asks_to`). */
export const ASKS_TO = {
  screen_view: 'see your screen',
  remote_control: 'see and control your screen',
  system_info: 'read your system information',
  application_view: 'see one of your application windows',
  application_control: 'see and control one of your application windows',
  camera: 'turn on your camera',
  recording: 'record this session',
  csr_screen_share: 'show you their screen',
};

/** What the console's roster calls a running activity. */
export const ACTIVITY_NAME = {
  screen_view: 'view desktop', remote_control: 'control desktop', application_view: 'view application', application_control: 'control application',
};

/** Whether a share capability shows one application window (S10, S12). */
export const isApplication = (c) => c.startsWith('application_');

/** Which grant serves a capability: control includes seeing (policy `covers`). */
const COVERS = {
  screen_view: ['screen_view', 'remote_control'], remote_control: ['remote_control'], system_info: ['system_info'],
  application_view: ['application_view', 'application_control'], application_control: ['application_control'],
  camera: ['camera'],
  recording: ['recording'],
  csr_screen_share: ['csr_screen_share'],
};

/** Revoking one of a pair ends both (policy `revoked_with`). */
const DESKTOP = ['screen_view', 'remote_control'];
const APPLICATION = ['application_view', 'application_control'];
const REVOKED_WITH = {
  screen_view: DESKTOP, remote_control: DESKTOP, system_info: ['system_info'], application_view: APPLICATION, application_control: APPLICATION,
  camera: ['camera'],
  recording: ['recording'],
  csr_screen_share: ['csr_screen_share'],
};

/** A seeded generator (mulberry32): the same seed gives the same walk. */
export function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

export class SessionModel {
  constructor() {
    this.chatLines = [];
    this.transfers = [];
    /** The host CSR, who asks and acts (S18: control can pass to another CSR). */
    this.csr = 'Alice';
    /** Whether Alice's own video runs (S9); it goes to whichever customer is connected. */
    this.csrVideo = false;
    /** S10: whether the host shows their screen (to each customer who allows it). */
    this.showing = false;
    /** The customer's agents so far: the last one is the live one, the others were killed or left. */
    this.customers = [];
    this.newCustomer('Dana', true);
  }

  /** A new agent joined as `name` (S6: `primary` when no other customer holds it). */
  newCustomer(name, primary = this.primaryFree) {
    this.customers.push({ name, primary, state: 'connected' });
    /** capability -> 'once' | 'session': what the live customer allowed Alice. */
    this.grants = new Map();
    /** The running share (screen or application), with the grant it runs under. */
    this.share = null;
    /** Whether the customer's camera shows in the console. */
    this.camera = false;
    /** Whether the host records the session (S16). */
    this.recording = false;
    /** S10: whether the live customer sees the screen the host shows. */
    this.viewing = false;
  }

  /** The live customer. */
  get customer() {
    return this.customers[this.customers.length - 1];
  }

  /** The live customer's agent is gone: killed (stays listed offline, and primary) or left (removed). */
  customerGone(how) {
    const c = this.customer;
    c.state = how === 'killed' ? 'offline' : 'left';
    this.grants = new Map();
    this.share = null;
    this.camera = false;
    this.viewing = false;
    // Leaving hands "primary" to the next customer in join order (offline ones too); an
    // offline customer keeps it.
    if (how === 'left' && c.primary) {
      c.primary = false;
      const next = this.customers.find((o) => o.state !== 'left');
      if (next) next.primary = true;
    }
  }

  /** Whether a customer who joins now becomes primary: no customer still in the session holds it. */
  get primaryFree() {
    return !this.customers.some((c) => c.primary && c.state !== 'left');
  }

  /** The host made the live customer primary. */
  promoted() {
    for (const c of this.customers) c.primary = false;
    this.customer.primary = true;
  }

  /** The live grant that serves `capability`, if any. */
  grantFor(capability) {
    for (const c of COVERS[capability]) if (this.grants.has(c)) return c;
    return null;
  }

  /** Whether asking for `capability` prompts the customer (no live grant serves it). */
  asks(capability) {
    return this.grantFor(capability) === null;
  }

  /** The customer answered a prompt for `capability`: y → session, once → once, no → nothing. */
  answered(capability, answer) {
    if (answer === 'y') this.grants.set(capability, 'session');
    if (answer === 'once') this.grants.set(capability, 'once');
  }

  startShare(capability) {
    this.share = { capability, grant: this.grantFor(capability) };
  }

  /** The share stopped: a "once" grant it ran under ends with it. */
  stopShare() {
    if (!this.share) return;
    const { grant } = this.share;
    this.share = null;
    if (grant && this.grants.get(grant) === 'once') this.grants.delete(grant);
  }

  /** The recording stopped: an "allow once" grant ends with it. */
  stopRecording() {
    if (!this.recording) return;
    this.recording = false;
    this.used('recording');
  }

  /** The host stops showing their screen (or the console stopped it): "once" ends with it. */
  stopShowing() {
    if (this.viewing) this.used('csr_screen_share');
    this.showing = false;
    this.viewing = false;
  }

  /** A one-shot use (system information sent under "once") ends the grant. */
  used(capability) {
    const g = this.grantFor(capability);
    if (g && this.grants.get(g) === 'once') this.grants.delete(g);
  }

  /** The customer revoked `capability`: it and its pair end, and what ran under them stops. */
  revoke(capability) {
    for (const c of REVOKED_WITH[capability]) this.grants.delete(c);
    if (this.share && REVOKED_WITH[capability].includes(this.share.capability)) this.share = null;
    if (capability === 'camera') this.camera = false;
    if (capability === 'recording') this.recording = false;
    if (capability === 'csr_screen_share') this.viewing = false;
  }

  /** `revoke all`: every grant ends, everything stops. */
  revokeAll() {
    this.grants = new Map();
    this.share = null;
    this.camera = false;
    this.recording = false;
    this.viewing = false;
  }

  /**
   * S18, S21: control passed to `csr`. What the former host ran stops and their grants end;
   * the customer's answer to the one carry-on prompt (`y` for this session, `once`, `n`)
   * gives the new host the same capabilities with that scope, or nothing.
   */
  handedOver(csr, answer) {
    this.csr = csr;
    this.share = null;
    this.camera = false;
    this.recording = false;
    this.showing = false;
    this.viewing = false;
    if (answer === 'y' || answer === 'once') {
      for (const c of this.grants.keys()) this.grants.set(c, answer === 'y' ? 'session' : 'once');
    } else {
      this.grants = new Map();
    }
  }

  /** The lines the agent's `grants` command should print, sorted. */
  grantLines(csr = 'Alice') {
    return [...this.grants.entries()].map(([c, scope]) => {
      const inUse = (this.share && this.share.grant === c) || (c === 'camera' && this.camera) || (c === 'recording' && this.recording) || (c === 'csr_screen_share' && this.viewing);
      return `${csr} may ${ASKS_TO[c]} (${scope === 'once' ? 'once' : 'for this session'}${inUse ? ', in use now' : ''})`;
    }).sort();
  }
}
