// What a console reload must not lose, kept in this tab's sessionStorage (it survives a reload,
// not a closed tab): the transfers table and the target of a running share. The chat comes
// back from signaling (`chat_history`), the running activities from the roster; what this
// console cannot carry on after a reload is stopped (session.js, restoreActivities).

const key = (session, what) => `session:${session}:${what}`;

/** Keeps `value` (JSON) for this session in this tab. */
export function remember(session, what, value) {
  try {
    if (value === null || value === undefined) sessionStorage.removeItem(key(session, what));
    else sessionStorage.setItem(key(session, what), JSON.stringify(value));
  } catch { /* storage full or disabled: a reload then starts empty */ }
}

/** What was kept for this session in this tab, or null. */
export function recall(session, what) {
  try {
    const raw = sessionStorage.getItem(key(session, what));
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

const KEPT = ['id', 'name', 'size', 'toCustomer', 'basic', 'customer', 'permission', 'state', 'stateText', 'done'];

/** The rows of the transfers table as they can be kept (no files, channels or elements). */
export function transferRows(transfers) {
  return [...transfers.values()].map((t) => Object.fromEntries(KEPT.map((k) => [k, t[k]])));
}

/**
 * Puts kept rows back into the files panel (oldest first, as they were added). A transfer that
 * had not finished cannot go on: its file or channel went with the page, so it says so.
 */
export function restoreTransfers(files, rows) {
  if (!Array.isArray(rows)) return;
  for (const row of [...rows].reverse()) {
    if (!row || typeof row.id !== 'string' || files.transfers.has(row.id)) continue;
    const finished = row.state === 'done' || row.state === 'failed';
    const cut = row.basic ? 'offer ended when the console reloaded; offer it again' : 'interrupted when the console reloaded';
    files.track({ ...row, state: finished ? row.state : 'failed', stateText: finished ? row.stateText : cut });
  }
}
