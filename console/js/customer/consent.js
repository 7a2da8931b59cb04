// S21 on the customer page: the product's words for each capability (as the agent says them,
// protocol::Capability::asks_to), and which ones this page can decide. What reaches into the
// computer beyond what a browser can do needs the support agent: the page answers those itself
// ("Deny") and tells the customer why in plain words.

/** What support asks to do, as the agent says it: "Alice (support) asks to see your screen." */
export const ASKS_TO = {
  screen_view: 'see your screen',
  remote_control: 'see and control your screen',
  application_view: 'see one of your application windows',
  application_control: 'see and control one of your application windows',
  csr_screen_share: 'show you their screen',
  advanced_file_transfer: 'open file transfer with your computer',
  file_transfer_item: 'transfer a file',
  system_info: 'read your system information',
  recording: 'record this session',
  camera: 'turn on your camera',
  microphone: 'use your microphone',
};

/** Capabilities only the support agent can carry out; the page does the rest (screen, window or
 * tab through the browser's picker, support's screen, system information, camera, microphone). */
export const NEEDS_AGENT = new Set(['remote_control', 'application_view', 'application_control', 'advanced_file_transfer', 'file_transfer_item', 'recording']);

export const asksTo = (capability) => ASKS_TO[capability] || capability.replaceAll('_', ' ');

/** "see your screen, use your microphone" */
export const what = (capabilities) => capabilities.map(asksTo).join(', ');

/** The question as the agent words it, for a request or a hand-over (S18). */
export function question(ask) {
  if (ask.from) return `${ask.toName} (support) has taken over from ${ask.fromName}. Let ${ask.toName} carry on: ${what(ask.capabilities)}?`;
  return `${ask.byName} (support) asks to ${what(ask.capabilities)}.`;
}

/** Whether the page must answer by itself because something asked needs the agent. */
export const needsAgent = (capabilities) => capabilities.some((c) => NEEDS_AGENT.has(c));

/** How long a grant lasts, in the customer's words. */
export const scopeWords = (scope) => (scope === 'once' ? 'once' : 'for this session');
