#!/usr/bin/env node
// demo_store.test.mjs: a headless Chromium shopper completes a purchase on the demo store
// (web/demo-store/, served by a running sbw-ingest) and the whole funnel arrives in the lake:
// home_view -> category_view -> product_view -> add_to_cart_click -> checkout_start ->
// checkout_complete, one client, one session, totals equal to the product's price.
// Prints one line per assertion and "N passed, M failed"; exits 1 on failure.
//   SBW_INGEST_URL  base URL of sbw-ingest;  SBW_LAKE_DIR  the lake folder it writes
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, check, finish, sleep } from '../support/browser.mjs';

const INGEST = (process.env.SBW_INGEST_URL || '').replace(/\/+$/, '');
const LAKE = process.env.SBW_LAKE_DIR || '';
if (!INGEST || !LAKE) {
  console.error('usage: SBW_INGEST_URL=... SBW_LAKE_DIR=... node tests/browser/demo_store.test.mjs');
  process.exit(2);
}

function lakeEvents(clientId) {
  const out = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^event-.*\.json$/.test(e.name))
        for (const line of fs.readFileSync(p, 'utf8').split('\n'))
          if (line.trim()) { const ev = JSON.parse(line); if (ev.clientId === clientId) out.push(ev); }
    }
  };
  walk(LAKE);
  // At least once: an event whose fetch was still in flight when the page was left is sent
  // again by the pagehide beacon (docs/tracker.md); both copies carry the same eventId, on
  // which the warehouse dedups. The test reads the lake as the warehouse will.
  const byId = new Map();
  for (const ev of out) if (!byId.has(ev.eventId)) byId.set(ev.eventId, ev);
  return [...byId.values()].sort((a, b) => a.eventTimestamp.localeCompare(b.eventTimestamp));
}

const browser = await launchChromium();
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${INGEST}/demo-store/`);
  await page.click('nav a[href="#/category/keyboard"]');
  await page.click('a[href="#/product/prod_aula_m75_tm"]');
  await page.click('#add-to-cart');
  await page.waitForSelector('#checkout');
  check('the cart shows the discounted price', (await page.textContent('#cart-total')).includes('1.790.000'));
  await page.click('#checkout');
  await page.click('#place-order');
  await page.waitForSelector('#thanks');
  const clientId = await page.evaluate(() => localStorage.getItem('sbw_client_id'));
  check('the tracker gave the shopper a clientId', /^[0-9a-f-]{36}$/.test(clientId || ''), clientId);
  await page.goto('about:blank'); // pagehide flushes whatever is still queued

  const want = ['home_view', 'category_view', 'product_view', 'add_to_cart_click', 'checkout_start', 'checkout_complete'];
  let evs = [];
  for (let waited = 0; waited < 10000; waited += 250) {
    evs = lakeEvents(clientId);
    if (want.every((n) => evs.some((e) => e.eventName === n))) break;
    await sleep(250);
  }
  const funnel = evs.map((e) => e.eventName).filter((n) => want.includes(n));
  check('the funnel arrived in order', JSON.stringify(funnel) === JSON.stringify(want), funnel.join(' > '));
  check('one session for the whole visit', new Set(evs.map((e) => e.sessionId)).size === 1);
  check('exactly one isFirstVisit', evs.filter((e) => e.isFirstVisit === true).length === 1);
  const pv = evs.find((e) => e.eventName === 'product_view') || {};
  check('product_view carries the product',
    pv.product && pv.product.id === 'prod_aula_m75_tm' && pv.product.brand === 'AULA' &&
    pv.product.price === 1990000 && pv.product.discountPrice === 1790000 &&
    pv.product.urlPath === '/product/ban-phim-aula-m75-tm', JSON.stringify(pv.product));
  const cv = evs.find((e) => e.eventName === 'category_view') || {};
  check('category_view carries only {category, id}',
    JSON.stringify(cv.product) === JSON.stringify({ category: 'keyboard', id: 'keyboard' }), JSON.stringify(cv.product));
  const cs = evs.find((e) => e.eventName === 'checkout_start') || {};
  const ds = (cs.element && cs.element.dataset) || {};
  check('checkout_start dataset {cartId, total, itemCount}',
    /^cart_/.test(ds.cartId || '') && ds.total === '1790000' && ds.itemCount === '1', JSON.stringify(ds));
  const cc = evs.find((e) => e.eventName === 'checkout_complete') || {};
  const dc = (cc.element && cc.element.dataset) || {};
  check('checkout_complete dataset {orderId, orderNumber, total}',
    /^ord_/.test(dc.orderId || '') && /^\d{6}$/.test(dc.orderNumber || '') && dc.total === '1790000', JSON.stringify(dc));
  check('every event was enriched by the ingest', evs.length > 0 && evs.every((e) => e._ingest && e._ingest.receivedAt));
} catch (e) {
  check('the shopper completed the purchase', false, e.message);
} finally {
  await browser.close();
}
finish();
