// Site admin: webhooks (issue 16). Session events are POSTed to each, signed with its secret
// (shown once, when it is added); the latest deliveries show with their tries, and a test
// event can be sent.
import { api, showError, toast } from './api.js';
import { h, dialog, fmtClock } from './dom.js';

const EVENTS = { 'session.started': 'a session starts', 'session.ended': 'a session ends (with its notes)', 'session.rated': 'a customer rates a session (1–5, with a comment)',
  'queue.joined': 'a customer asks a team for help', 'queue.taken': 'a CSR takes a waiting customer', 'queue.left': 'a waiting customer gives up (or stops answering)' };

const when = (ms) => (ms ? `${new Date(ms).toLocaleDateString()} ${fmtClock(ms)}` : '');

function state(d) {
  if (d.delivered_at) return `delivered ${when(d.delivered_at)}${d.attempts > 1 ? ` after ${d.attempts} tries` : ''}`;
  if (d.next_at) return `${d.attempts ? `failed ${d.attempts}× (${d.last_error || d.last_status})` : 'waiting'}; next try ${when(d.next_at)}`;
  return `given up after ${d.attempts} tries (${d.last_error || d.last_status})`;
}

/** Waits (up to 15 s) until the newest delivery of webhook `id` has been tried at least once. */
async function settled(id) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const hooks = await api('GET', '/api/admin/webhooks');
    const newest = hooks.find((x) => x.webhook.id === id)?.deliveries[0];
    if (newest && (newest.delivered_at || newest.attempts > 0)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The webhooks card; `again` redraws the admin page. */
export function webhooksCard(hooks, again) {
  const url = h('input', { id: 'new-webhook-url', type: 'url', required: true, maxlength: 2000, placeholder: 'https://tickets.example.com/hooks/support' });
  const boxes = Object.fromEntries(Object.keys(EVENTS).map((e) => [e, h('input', { type: 'checkbox', id: `new-webhook-${e}`, checked: true })]));
  const shown = (secret) => dialog('Webhook secret', (close) => h('div', {},
    h('p', { text: 'The receiver checks each request with this secret (Webhook-Signature: t=…,v1=HMAC-SHA256 of "t.body", docs/api.md). It is shown only now.' }),
    h('p', { class: 'code', id: 'new-webhook-secret', text: secret }),
    h('button', { class: 'primary', onclick: () => close(true) }, 'Done')));
  return h('section', { class: 'card wide', id: 'admin-webhooks' }, h('h2', { text: 'Webhooks' }),
    h('p', { class: 'muted', text: 'Tell the ticket system when sessions start and end. Failed deliveries are tried again, waiting longer each time.' }),
    hooks.map(({ webhook: w, deliveries }) => h('div', { class: 'webhook', dataset: { webhook: w.id } },
      h('p', {}, h('strong', { text: w.url }), ' ', h('span', { class: 'muted', text: w.events.join(', ') }), ' ',
        h('button', { class: 'small', onclick: async () => {
          try {
            await api('POST', `/api/admin/webhooks/${w.id}/test`);
            toast('Test event queued.');
            await settled(w.id);
            again();
          } catch (e) { showError(e); }
        } }, 'Send test'), ' ',
        h('button', { class: 'small danger', onclick: async () => {
          try { await api('DELETE', `/api/admin/webhooks/${w.id}`); again(); } catch (e) { showError(e); }
        } }, 'Delete')),
      deliveries.length ? h('table', { class: 'grid deliveries' },
        h('thead', {}, h('tr', {}, ['Event', 'Queued', 'State'].map((t) => h('th', { text: t })))),
        h('tbody', {}, deliveries.map((d) => h('tr', {}, h('td', { text: d.event }), h('td', { text: when(d.created_at) }), h('td', { text: state(d) })))))
        : h('p', { class: 'muted', text: 'Nothing sent yet.' }))),
    h('form', { class: 'row', onsubmit: async (ev) => {
      ev.preventDefault();
      const events = Object.keys(EVENTS).filter((e) => boxes[e].checked);
      try {
        const r = await api('POST', '/api/admin/webhooks', { url: url.value.trim(), events });
        await shown(r.secret);
        again();
      } catch (e) { showError(e); }
    } }, h('label', { for: 'new-webhook-url' }, 'Address'), url,
    Object.entries(EVENTS).map(([e, words]) => h('label', { for: `new-webhook-${e}` }, boxes[e], ` ${words}`)),
    h('button', { type: 'submit', class: 'primary' }, 'Add webhook')));
}
