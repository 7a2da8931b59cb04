// Generated from protocol/src/policy.rs by `UPDATE_POLICY=1 cargo test -p protocol --test console_policy`.
// Do not edit: a test fails when this copy differs from the Rust policy.

/** What a grant includes besides itself (control includes seeing). */
export const INCLUDES = {
  remote_control: ['screen_view'],
  application_control: ['application_view'],
};

/** Whether a grant of `granted` allows `wanted`. */
export function covers(granted, wanted) {
  return granted === wanted || (INCLUDES[granted] || []).includes(wanted);
}

/** S12: [running, wanted, refusal code] for every pair that may not run together. */
export const BLOCKS = [
  ['application_view', 'advanced_file_transfer', 'application_sharing_active'],
  ['application_view', 'file_transfer_item', 'application_sharing_active'],
  ['application_view', 'basic_file_transfer', 'application_sharing_active'],
  ['application_control', 'advanced_file_transfer', 'application_sharing_active'],
  ['application_control', 'file_transfer_item', 'application_sharing_active'],
  ['application_control', 'basic_file_transfer', 'application_sharing_active'],
  ['advanced_file_transfer', 'application_view', 'file_transfer_active'],
  ['advanced_file_transfer', 'application_control', 'file_transfer_active'],
  ['file_transfer_item', 'application_view', 'file_transfer_active'],
  ['file_transfer_item', 'application_control', 'file_transfer_active'],
  ['basic_file_transfer', 'application_view', 'file_transfer_active'],
  ['basic_file_transfer', 'application_control', 'file_transfer_active'],
];

/** The refusal code of `wanted` while the activities `running` run, or null. */
export function blockedBy(running, wanted) {
  for (const r of running) {
    const hit = BLOCKS.find(([a, b]) => a === r && b === wanted);
    if (hit) return hit[2];
  }
  return null;
}

/** The bidi formatting characters; a file name holding one (or a control character) is shown with it made visible. */
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** A file name as shown: `invoice<U+202E>fdp.exe`. */
export function visibleFileName(name) {
  return name.replace(HIDDEN, (c) => `<U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}>`);
}

/** Whether a file name hides what it is: refused as a download name. */
export function isDeceptiveFileName(name) {
  return new RegExp(HIDDEN.source, 'u').test(name);
}

/** Untrusted text as shown: control and bidi characters removed (line breaks kept when multiline). */
export function displayable(text, multiline = false) {
  return text.replace(HIDDEN, (c) => (multiline && (c === '\n' || c === '\t') ? c : ''));
}
