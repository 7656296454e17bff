// bench/dashboard.mjs (used by bench/dashboard.sh): loads SBW_DASH_URL and SBW_ANCHOR_URL
// SBW_LOADS times each, alternating, a fresh browser context per load, and measures the time
// from navigation start to all eight Overview KPI cards carrying their value. Last line: JSON.
import { launchChromium } from '../tests/support/browser.mjs';

const DASH = process.env.SBW_DASH_URL, ANCHOR = process.env.SBW_ANCHOR_URL;
const LOADS = Number(process.env.SBW_LOADS || 10);
const METRICS = ['events', 'unique_clients', 'sessions', 'conversion_rate', 'checkout_rate', 'revenue', 'bounce_rate', 'avg_session_duration_s'];
const selector = METRICS.map((m) => `.sbw-kpi[data-metric="${m}"][data-value]`);

const browser = await launchChromium();
async function load(url) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction((sels) => sels.every((s) => document.querySelector(s)), selector, { timeout: 60000, polling: 'raf' });
  const ms = Date.now() - t0;
  await ctx.close();
  return ms;
}
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
await load(DASH); // warm-up: the R process's first session loads its packages' assets
const dash = [], anchor = [];
for (let i = 0; i < LOADS; i++) { dash.push(await load(DASH)); anchor.push(await load(ANCHOR)); }
await browser.close();
const r = {
  dashboard_ms: { p50: q(dash, 0.5), p90: q(dash, 0.9), all: dash },
  static_page_ms: { p50: q(anchor, 0.5), p90: q(anchor, 0.9), all: anchor },
};
r.ratio_p50 = +(r.dashboard_ms.p50 / r.static_page_ms.p50).toFixed(2);
console.log(`dashboard: KPIs visible p50 ${r.dashboard_ms.p50} ms, p90 ${r.dashboard_ms.p90} ms (target < 1500 ms)`);
console.log(`static page with the same numbers (nginx): p50 ${r.static_page_ms.p50} ms; dashboard / static = ${r.ratio_p50}x`);
console.log(JSON.stringify(r));
