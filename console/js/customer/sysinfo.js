// System information in the browser (S14): only what the browser can tell, shown to the
// customer before anything is sent; the console renders this shape (`kind: "browser"`).
import { h, dialog } from '../dom.js';
import { browserReport, browserRows } from '../browser_report.js';
import { consentRequired } from './share.js';

export class SysinfoFeature {
  constructor(ctx) {
    this.ctx = ctx;
  }

  async onPeer(csr, link, msg) {
    if (msg.type !== 'system_info_request') return;
    if (!this.ctx.granted(csr, 'system_info')) return link.send(consentRequired());
    const report = browserReport();
    const send = await dialog('System information', (close) => h('div', { id: 'sysinfo-review' },
      h('p', { text: `${this.ctx.name(csr)} (support) asks for your system information. This is all your browser tells; nothing else is sent:` }),
      h('table', { class: 'kv' }, browserRows(report).map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v })))),
      h('div', { class: 'row' },
        h('button', { class: 'primary', id: 'sysinfo-send', onclick: () => close(true) }, 'Send'),
        h('button', { id: 'sysinfo-keep', onclick: () => close(false) }, "Don't send"))));
    if (send && this.ctx.granted(csr, 'system_info')) {
      link.send({ type: 'system_info', report });
      this.ctx.line(`Your system information was sent to ${this.ctx.name(csr)}.`);
    } else {
      link.send({ type: 'error', code: 'declined', message: 'The customer chose not to send the report.' });
    }
  }
}
