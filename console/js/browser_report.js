// System information in the browser (S14, issue 14): the report a customer's browser can give
// (docs/protocol.md, `kind: "browser"`), built by the customer page and shown as rows by both
// the page (before sending) and the console. Every value is untrusted: shown only as text.

/** What this browser tells about the computer (docs/protocol.md). */
export function browserReport() {
  const ua = navigator.userAgent;
  const data = navigator.userAgentData;
  const brand = data && data.brands ? data.brands.find((b) => !/not.a.brand/i.test(b.brand) && b.brand !== 'Chromium') || data.brands.find((b) => b.brand === 'Chromium') : null;
  const fromUa = /(Firefox|Edg|OPR|Chrome|Chromium|Safari)\/([\d.]+)/.exec(ua);
  const os = data && data.platform ? data.platform
    : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Linux/.test(ua) ? 'Linux' : '';
  return {
    kind: 'browser',
    browser: brand ? `${brand.brand} ${brand.version}` : fromUa ? `${fromUa[1]} ${fromUa[2]}` : '',
    os_name: os,
    platform: navigator.platform || '',
    screen: { width: screen.width, height: screen.height, pixel_ratio: window.devicePixelRatio || 1, color_depth: screen.colorDepth },
    window: { width: window.innerWidth, height: window.innerHeight },
    languages: [...(navigator.languages || [navigator.language])],
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || '',
    cpu_cores: navigator.hardwareConcurrency || null,
    memory_gib: navigator.deviceMemory || null,
    user_agent: ua,
  };
}

/** What a customer's browser tells about their computer (docs/protocol.md), as label/value rows. */
export function browserRows(r) {
  const s = r.screen || {};
  const str = (v) => (typeof v === 'string' || typeof v === 'number' ? String(v).slice(0, 512) : '');
  return [
    ['Browser', str(r.browser)], ['Operating system', str(r.os_name)], ['Platform', str(r.platform)],
    ['Screen', s.width && s.height ? `${str(s.width)}×${str(s.height)}, scale ${str(s.pixel_ratio)}, ${str(s.color_depth)}-bit colour` : ''],
    ['Window', r.window && r.window.width ? `${str(r.window.width)}×${str(r.window.height)}` : ''],
    ['Languages', Array.isArray(r.languages) ? r.languages.slice(0, 20).map(str).join(', ') : ''],
    ['Time zone', str(r.time_zone)], ['Processor cores', str(r.cpu_cores)],
    ['Memory', r.memory_gib ? `about ${str(r.memory_gib)} GiB (the browser rounds)` : ''],
    ['Browser identification', str(r.user_agent)],
  ].filter(([, v]) => v !== '');
}
