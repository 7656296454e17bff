#!/usr/bin/env node
// stack.test.mjs: the platform end to end on a running local stack (tests/e2e/run_stack.sh
// starts it with ./sbw up and a known simulated history loaded). A headless Chromium shopper
// buys a keyboard on the demo store; `./sbw etl run` loads it; the API's KPIs, funnel, session
// list and raw events include exactly that purchase; the dashboard shows the API's numbers.
// Prints one line per assertion and "N passed, M failed"; exits 1 on failure.
//   SBW_STACK_INGEST_URL, SBW_STACK_API_URL, SBW_STACK_DASHBOARD_URL  (scripts/stack env)
//   SBW_SCREENSHOTS  folder for the dashboard screenshots (optional)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, check, finish, sleep } from '../support/browser.mjs';

const INGEST = (process.env.SBW_STACK_INGEST_URL || '').replace(/\/clickstream$/, '');
const API = process.env.SBW_STACK_API_URL || '';
const DASH = process.env.SBW_STACK_DASHBOARD_URL || '';
const SHOTS = process.env.SBW_SCREENSHOTS || '';
if (!INGEST || !API || !DASH) {
  console.error('run through tests/e2e/run_stack.sh (needs SBW_STACK_INGEST_URL, _API_URL, _DASHBOARD_URL)');
  process.exit(2);
}
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

async function api(pathQuery) {
  const r = await fetch(`${API}${pathQuery}`);
  if (r.status !== 200) throw new Error(`GET ${pathQuery}: HTTP ${r.status}`);
  return r.json();
}
// A table answer as an array of row objects.
function rowsOf(t) {
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])));
}
async function kpis() {
  return Object.fromEntries(rowsOf(await api('/api/v1/kpis?compare=previous_period')).map((r) => [r.metric, r]));
}
async function funnelLast() {
  const f = rowsOf(await api('/api/v1/funnel'));
  return f[f.length - 1];
}
function etlRun() {
  for (let i = 0; i < 30; i++) {
    const out = execFileSync(path.join(ROOT, 'sbw'), ['etl', 'run'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const summary = JSON.parse(out.trim().split('\n').pop());
    if (summary.status !== 'skipped') return summary;
    execFileSync('sleep', ['1']);
  }
  throw new Error('the ETL stayed locked');
}

const browser = await launchChromium();
let clientId = '';
try {
  // ---- 1. the numbers before the purchase --------------------------------------------------
  const before = await kpis();
  const funnelBefore = await funnelLast();
  check('the known history is in the API', before.events.value > 0 && before.sessions.value > 0,
    JSON.stringify(before.events));

  // ---- 2. a shopper buys on the demo store ---------------------------------------------------
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${INGEST}/demo-store/`);
  await page.click('nav a[href="#/category/keyboard"]');
  await page.click('a[href="#/product/prod_aula_m75_tm"]');
  await page.click('#add-to-cart');
  await page.waitForSelector('#checkout');
  await page.click('#checkout');
  await page.click('#place-order');
  await page.waitForSelector('#thanks');
  clientId = await page.evaluate(() => localStorage.getItem('sbw_client_id'));
  check('the shopper has a clientId', /^[0-9a-f-]{36}$/.test(clientId || ''), clientId);
  await page.goto('about:blank'); // pagehide flushes what the tracker still queues
  await page.close();

  // ---- 3. the ETL loads it and refreshes the aggregates ----------------------------------------
  let summary = { events_inserted: 0 };
  for (let waited = 0; waited < 10000 && summary.events_inserted < 6; waited += 500) {
    await sleep(500);
    const s = etlRun();
    summary = { ...s, events_inserted: summary.events_inserted + s.events_inserted };
  }
  check('the ETL loaded the shopper\'s events', summary.events_inserted >= 6, JSON.stringify(summary));
  check('the ETL called the refresh hook', summary.hook === 'ok', summary.hook);

  // ---- 4. the API includes exactly that purchase --------------------------------------------------
  const after = await kpis();
  check('KPI purchases grew by one', after.purchases.value === before.purchases.value + 1,
    `${before.purchases.value} -> ${after.purchases.value}`);
  check('KPI revenue grew by the keyboard\'s price (1,790,000 VND)',
    Math.abs(after.revenue.value - before.revenue.value - 1790000) < 0.001,
    `${before.revenue.value} -> ${after.revenue.value}`);
  check('KPI converted sessions grew by one', after.converted_sessions.value === before.converted_sessions.value + 1);
  const funnelAfter = await funnelLast();
  check('the funnel\'s checkout_complete step grew by one',
    funnelAfter.event_name === 'checkout_complete' && funnelAfter.sessions === funnelBefore.sessions + 1,
    `${funnelBefore.sessions} -> ${funnelAfter.sessions}`);
  const sessions = rowsOf(await api('/api/v1/sessions?sort=started_at&limit=50'));
  const mine = sessions.filter((s) => s.client_id === clientId);
  check('one session of the shopper in the session list', mine.length === 1, JSON.stringify(mine));
  const s = mine[0] || {};
  check('the session bought once for 1,790,000 VND', s.purchases === 1 && Number(s.revenue) === 1790000 &&
    s.add_to_carts === 1 && s.checkout_starts === 1 && s.is_first_visit === true, JSON.stringify(s));
  check('the session entered on the demo store', /\/demo-store\//.test(s.entry_page || ''), s.entry_page);
  const recent = rowsOf(await api('/api/v1/events/recent?limit=20'));
  check('the newest raw events are the shopper\'s', recent.length > 0 && recent[0].client_id === clientId,
    JSON.stringify(recent[0]));

  // ---- 5. the dashboard shows the API's numbers ------------------------------------------------------
  await dashboardChecks(browser, after);
} catch (e) {
  check('the end-to-end run completed', false, e.stack || e.message);
} finally {
  await browser.close();
}
finish();

async function dashboardChecks(browser, k) {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const shot = async (name) => { if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true }); };
  const kpiValue = (m) => page.getAttribute(`.sbw-kpi[data-metric="${m}"]`, 'data-value');
  const rowsIn = (sel) => page.locator(`${sel} table tbody tr`).count();
  const health = await api('/api/v1/health');

  // Overview: every KPI card carries the API's value.
  await page.goto(DASH);
  await page.waitForSelector('.sbw-kpi[data-metric="avg_session_duration_s"][data-value]', { timeout: 30000 });
  for (const m of ['events', 'unique_clients', 'sessions', 'conversion_rate', 'checkout_rate', 'revenue', 'bounce_rate', 'avg_session_duration_s']) {
    const v = await kpiValue(m);
    check(`dashboard KPI ${m} equals the API`, v !== null && Math.abs(Number(v) - Number(k[m].value)) < 1e-6, `${v} vs ${k[m].value}`);
  }
  const evText = await page.textContent('.sbw-kpi[data-metric="events"] .sbw-kpi-value');
  check('the events card shows the number formatted', evText.replace(/[^0-9]/g, '') === String(k.events.value), evText);
  await page.waitForSelector('#sbw-freshness[data-generation]');
  check('"data as of" shows the API\'s generation',
    Number(await page.getAttribute('#sbw-freshness', 'data-generation')) === health.generation &&
    /data as of/i.test(await page.textContent('#sbw-freshness')), await page.textContent('#sbw-freshness'));
  check('no error banner', (await page.locator('#sbw-error-banner .sbw-error-message').count()) === 0);
  await page.waitForSelector('#overview-timeseries img', { timeout: 20000 });
  await shot('overview');

  // Funnel: the steps table equals the API's funnel.
  const fun = rowsOf(await api('/api/v1/funnel'));
  await page.click('a[data-value="funnel"]');
  await page.waitForSelector('#funnel-table table tbody tr', { timeout: 20000 });
  const funText = await page.textContent('#funnel-table table tbody');
  check('the funnel tab lists the four default steps', (await rowsIn('#funnel-table')) === 4 &&
    fun.every((r) => funText.includes(r.event_name)), funText.slice(0, 200));
  const funFirst = await page.textContent('#funnel-table table tbody tr:first-child');
  check('the funnel\'s first step count equals the API', funFirst.replace(/[\s.,]/g, '').includes(String(fun[0].sessions)), `${funFirst} vs ${fun[0].sessions}`);
  await shot('funnel');

  // Products: the top product is the API's.
  const top = rowsOf(await api('/api/v1/products/top?by=views&limit=10'));
  await page.click('a[data-value="products"]');
  await page.waitForSelector('#products-products table tbody tr', { timeout: 20000 });
  const prodText = await page.textContent('#products-products table tbody tr:first-child');
  check('the products tab shows the API\'s top product first', top.length > 0 && prodText.includes(top[0].name), `${prodText} vs ${top[0] && top[0].name}`);
  await page.waitForSelector('#products-brands table tbody tr', { timeout: 20000 });
  await shot('products');

  // Sessions: the summary equals the API.
  const ss = rowsOf(await api('/api/v1/sessions/summary'))[0];
  await page.click('a[data-value="sessions"]');
  await page.waitForSelector('#sessions-summary .sbw-stat[data-metric="sessions"][data-value]', { timeout: 20000 });
  check('the sessions summary equals the API',
    Number(await page.getAttribute('#sessions-summary .sbw-stat[data-metric="sessions"]', 'data-value')) === ss.sessions,
    `${await page.getAttribute('#sessions-summary .sbw-stat[data-metric="sessions"]', 'data-value')} vs ${ss.sessions}`);
  await page.waitForSelector('#sessions-list table tbody tr', { timeout: 20000 });
  await shot('sessions');

  // Traffic: the heatmap is drawn.
  await page.click('a[data-value="traffic"]');
  await page.waitForSelector('#traffic-heatmap img', { timeout: 20000 });
  check('the traffic heatmap is drawn', (await page.locator('#traffic-heatmap img').count()) === 1);
  await shot('traffic');

  // Raw events: 20 a page, "Page X of N", Prev/Next, the newest is the shopper's.
  const rec = await api('/api/v1/events/recent?limit=20');
  const pages = Math.max(1, Math.ceil(rec.total / 20));
  await page.click('a[data-value="events"]');
  await page.waitForSelector('#events-table table tbody tr', { timeout: 20000 });
  await page.waitForFunction((t) => document.querySelector('#events-page')?.textContent.trim() === t, `Page 1 of ${pages}`, { timeout: 10000 }).catch(() => {});
  check(`raw events say "Page 1 of ${pages}"`, (await page.textContent('#events-page')).trim() === `Page 1 of ${pages}`, await page.textContent('#events-page'));
  check('raw events show 20 rows', (await rowsIn('#events-table')) === 20);
  const firstRow1 = await page.textContent('#events-table table tbody tr:first-child');
  check('the newest raw event is the shopper\'s (ids shortened to 8 characters)', firstRow1.includes(clientId.slice(0, 8)), firstRow1.slice(0, 200));
  await shot('events');
  await page.click('#events-next');
  await page.waitForFunction((t) => document.querySelector('#events-page')?.textContent.trim() === t, `Page 2 of ${pages}`, { timeout: 10000 }).catch(() => {});
  check('Next goes to page 2', (await page.textContent('#events-page')).trim() === `Page 2 of ${pages}`, await page.textContent('#events-page'));
  await page.waitForFunction((r) => document.querySelector('#events-table table tbody tr')?.textContent !== r, firstRow1, { timeout: 10000 }).catch(() => {});
  const rec2 = rowsOf(await api('/api/v1/events/recent?limit=20&offset=20'));
  const firstRow2 = await page.textContent('#events-table table tbody tr:first-child');
  check('page 2 starts with the API\'s 21st newest event', firstRow2.includes(rec2[0].event_name) && firstRow2 !== firstRow1, firstRow2.slice(0, 200));
  await page.click('#events-prev');
  await page.waitForFunction((t) => document.querySelector('#events-page')?.textContent.trim() === t, `Page 1 of ${pages}`, { timeout: 10000 }).catch(() => {});
  check('Prev goes back to page 1', (await page.textContent('#events-page')).trim() === `Page 1 of ${pages}`);

  // CSV download: the API's CSV of the same table.
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 20000 }), page.click('#events-csv_events')]);
  const csv = fs.readFileSync(await dl.path(), 'utf8').split('\r\n').filter((l) => l.length);
  check('the raw-events CSV has the API\'s header', csv[0] === rec.columns.join(','), csv[0]);
  check('the raw-events CSV holds min(total, 1000) rows', csv.length - 1 === Math.min(rec.total, 1000), `${csv.length - 1} rows, total ${rec.total}`);
  check('the CSV file is named after the table and range', /^sbw_events_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/.test(dl.suggestedFilename()), dl.suggestedFilename());

  // Filters: a 2-day range changes the numbers to the API's for that range.
  await page.click('a[data-value="overview"]');
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  const k2 = Object.fromEntries(rowsOf(await api(`/api/v1/kpis?from=${from}&to=${today}&compare=previous_period`)).map((r) => [r.metric, r]));
  // Through the widget's own date picker (what a click on a calendar day does).
  await page.evaluate((d) => {
    const $i = window.jQuery('#range input').first();
    ($i.bsDatepicker ? $i.bsDatepicker('setDate', new Date(`${d}T00:00:00Z`)) : $i.datepicker('setDate', new Date(`${d}T00:00:00Z`)));
  }, from);
  await page.waitForFunction((v) => document.querySelector('.sbw-kpi[data-metric="events"]')?.getAttribute('data-value') === String(v), k2.events.value, { timeout: 15000 }).catch(() => {});
  const ev2 = await kpiValue('events');
  check('a shorter date range shows the API\'s numbers for it', Number(ev2) === k2.events.value && k2.events.value !== k.events.value,
    `${ev2} vs ${k2.events.value} (7 days: ${k.events.value})`);
  await shot('overview-2-days');
  await ctx.close();
}
