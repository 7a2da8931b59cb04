// S14: system information after the customer's grant (and their confirmation in the agent),
// shown in sections and copyable as text.
import { h, fill, fmtBytes, fmtDuration, copyText } from './dom.js';
import { inBrowser } from './session.js';
import { browserRows } from './browser_report.js';
import { describe, toast } from './api.js';

export class SystemInfoPanel {
  constructor(ctx) {
    this.ctx = ctx;
    this.state = h('p', { class: 'muted', id: 'sysinfo-state', text: 'Ask the customer for their system information. They see the report before it is sent.' });
    this.body = h('div', { id: 'sysinfo' });
    this.askButton = h('button', { class: 'primary', id: 'sysinfo-request', onclick: () => this.request() }, 'Request system information');
    this.copyButton = h('button', { id: 'sysinfo-copy', hidden: true, onclick: async () => toast((await copyText(this.text)) ? 'Copied as text.' : 'Copy failed.') }, 'Copy as text');
    this.note = h('p', { class: 'notice', id: 'sysinfo-browser-note', hidden: true, text: 'The customer joined in the browser: the report holds what a browser can tell (browser, operating system, screen, language, time zone). Disks, programs and the network need the support agent.' });
    this.element = h('div', { class: 'panel', id: 'panel-sysinfo' }, h('div', { class: 'row' }, this.askButton, this.copyButton), this.note, this.state, this.body);
  }

  onRoster() {
    const c = this.ctx.customer();
    this.askButton.disabled = !c || !this.ctx.isHost();
    this.askButton.title = !c ? 'No customer has joined yet.' : this.ctx.isHost() ? '' : 'Only the host CSR can ask.';
    // In the browser only what a browser can tell: the rest needs the agent.
    this.note.hidden = !inBrowser(c);
  }

  async request() {
    const c = this.ctx.customer();
    if (!c) return;
    this.state.textContent = "Waiting for the customer's permission…";
    try {
      const ok = await this.ctx.askConsent(c.id, 'system_info');
      if (!ok) { this.state.textContent = 'The customer said no.'; return; }
    } catch (e) {
      this.state.textContent = describe(e);
      return;
    }
    const link = this.ctx.link(c.id);
    if (!link) { this.state.textContent = "Not connected to the customer's agent yet. Try again in a moment."; return; }
    this.state.textContent = 'Permission granted. The customer is looking at the report before sending it…';
    this.customer = c.id;
    // One report is one activity, so that "allow once" ends with it (S21).
    if (this.running) this.ctx.activity(false, 'system_info', this.running);
    this.running = c.id;
    this.ctx.activity(true, 'system_info', c.id);
    link.send({ type: 'system_info_request' });
  }

  /** The report arrived or was not sent: the activity ends. */
  finish() {
    if (this.running) this.ctx.activity(false, 'system_info', this.running);
    this.running = null;
  }

  onPeer(customer, msg) {
    if (msg.type === 'system_info') {
      this.show(customer, msg.report);
      if (customer === this.running) this.finish();
    } else if (msg.type === 'error' && this.customer === customer && /consent|declined/.test(msg.code)) {
      this.state.textContent = describe(msg);
      if (customer === this.running) this.finish();
    }
  }

  onEvent(ev) {
    if (ev.event === 'consent_revoked' && ev.capability === 'system_info') {
      this.state.textContent = 'The customer took back the permission for system information.';
      this.running = null; // signaling stopped it
    }
  }

  showBrowser(customer, r) {
    const pairs = browserRows(r);
    fill(this.body, h('section', { class: 'sysinfo-section' }, h('h3', { text: 'What the browser tells' }),
      h('table', { class: 'kv', id: 'sysinfo-browser' }, pairs.map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v }))))),
    h('p', { class: 'muted', text: 'Disks, programs and the network need the support agent.' }));
    this.text = pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
    this.copyButton.hidden = false;
    this.state.textContent = `Received from ${this.ctx.name(customer)} (in the browser).`;
  }

  show(customer, r) {
    if (r && r.kind === 'browser') return this.showBrowser(customer, r);
    const rows = (pairs) => h('table', { class: 'kv' }, pairs.filter((p) => p[1] !== undefined && p[1] !== null && p[1] !== '').map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: String(v) }))));
    const table = (head, list, cells) => list && list.length
      ? h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, head.map((x) => h('th', { text: x })))), h('tbody', {}, list.map((x) => h('tr', {}, cells(x).map((c) => h('td', { text: String(c) }))))))
      : h('p', { class: 'muted', text: 'none reported' });
    const proc = (p) => [p.name, p.pid, `${p.cpu_percent.toFixed(1)} %`, fmtBytes(p.memory_bytes)];
    const sections = [
      ['System', rows([['Computer', r.host_name], ['Operating system', r.os_name], ['Version', r.os_version], ['Kernel', r.kernel_version], ['Up for', fmtDuration(r.uptime_secs * 1000)], ['Installed packages', r.installed_packages]])],
      ['Processor', rows([['Model', r.cpu_model], ['Cores', r.cpu_cores]])],
      ['Memory', rows([['Total', fmtBytes(r.memory_total_bytes)], ['Used', `${fmtBytes(r.memory_used_bytes)} (${Math.round((100 * r.memory_used_bytes) / Math.max(1, r.memory_total_bytes))} %)`]])],
      ['Disks', table(['Mounted at', 'File system', 'Size', 'Free'], r.disks, (d) => [d.mount_point, d.file_system, fmtBytes(d.total_bytes), fmtBytes(d.free_bytes)])],
      ['Network', table(['Interface', 'MAC', 'Addresses'], r.networks, (n) => [n.name, n.mac, n.addresses.join(', ')])],
      ['Busiest programs (processor)', table(['Program', 'PID', 'CPU', 'Memory'], r.top_cpu, proc)],
      ['Busiest programs (memory)', table(['Program', 'PID', 'CPU', 'Memory'], r.top_memory, proc)],
    ];
    fill(this.body, sections.map(([title, content]) => h('section', { class: 'sysinfo-section' }, h('h3', { text: title }), content)));
    this.text = toText(r);
    this.copyButton.hidden = false;
    this.state.textContent = `Received from ${this.ctx.name(customer)}.`;
  }
}

/** The report as plain text, for pasting into a ticket. */
export function toText(r) {
  const lines = [
    `Computer: ${r.host_name}`, `Operating system: ${r.os_name} (${r.os_version})`, `Kernel: ${r.kernel_version}`,
    `Processor: ${r.cpu_model}, ${r.cpu_cores} cores`, `Memory: ${fmtBytes(r.memory_used_bytes)} used of ${fmtBytes(r.memory_total_bytes)}`,
    `Up for: ${fmtDuration(r.uptime_secs * 1000)}`,
  ];
  if (r.installed_packages !== undefined && r.installed_packages !== null) lines.push(`Installed packages: ${r.installed_packages}`);
  lines.push('Disks:', ...r.disks.map((d) => `  ${d.mount_point} (${d.file_system}): ${fmtBytes(d.free_bytes)} free of ${fmtBytes(d.total_bytes)}`));
  lines.push('Network:', ...r.networks.map((n) => `  ${n.name} ${n.mac} ${n.addresses.join(', ')}`));
  lines.push('Busiest programs (processor):', ...r.top_cpu.map((p) => `  ${p.name} (pid ${p.pid}): ${p.cpu_percent.toFixed(1)} %, ${fmtBytes(p.memory_bytes)}`));
  lines.push('Busiest programs (memory):', ...r.top_memory.map((p) => `  ${p.name} (pid ${p.pid}): ${p.cpu_percent.toFixed(1)} %, ${fmtBytes(p.memory_bytes)}`));
  return lines.join('\n');
}
