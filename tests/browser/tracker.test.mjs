#!/usr/bin/env node
// tracker.test.mjs: end-to-end test of web/clickstream.js in headless Chromium against a running
// ingest server: the page and the tracker come from the server, the events are read back from
// the lake folder it writes. Prints one line per assertion and "N passed, M failed"; exits 1 on
// any failure, 2 on a usage or setup error.
//
//   SBW_INGEST_URL  base URL of the server serving /clickstream.js, /demo/... and POST /clickstream
//   SBW_LAKE_DIR    the lake folder it writes (events/YYYY/MM/DD/HH/event-<uuid>.json, NDJSON)
//   SBW_PAGE_URL    optional: the test page, default ${SBW_INGEST_URL}/demo/tracker-test.html
//   SBW_CHROMIUM    optional: the browser, default /usr/bin/chromium
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { CHROMIUM, launchChromium, check, finish, sleep } from '../support/browser.mjs';

const INGEST = (process.env.SBW_INGEST_URL || '').replace(/\/+$/, '');
const LAKE = process.env.SBW_LAKE_DIR || '';
const PAGE = process.env.SBW_PAGE_URL || `${INGEST}/demo/tracker-test.html`;
const WAIT_MS = 10000;

if (!INGEST || !LAKE) {
  console.error('usage: SBW_INGEST_URL=http://127.0.0.1:8080 SBW_LAKE_DIR=/path/to/lake node tests/browser/tracker.test.mjs');
  process.exit(2);
}

// What the test page's product block holds (web/demo/tracker-test.html).
const PRODUCT = {
  id: 'prod_aula_m75_tm', name: 'Ban phim AULA M75 TM', category: 'keyboard', brand: 'AULA',
  price: 1990000, discountPrice: 1790000, urlPath: '/product/ban-phim-aula-m75-tm',
};
const CHECKOUT_DATASET = { cartId: 'cart-7f3a', total: '3580000', itemCount: '2' };
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/* ---- comparisons (check and finish: ../support/browser.mjs) ---- */

const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const show = (v) => JSON.stringify(v);
const count = (evs, name) => evs.filter((e) => e.eventName === name).length;
const names = (evs) => evs.map((e) => e.eventName).sort().join(',');

/* ---- lake ---- */

const seen = new Map(); // file path -> parsed events (lake objects are written once)

// Returns every event in the lake whose pageUrl contains run=<run>, ordered by receive time,
// then by eventTimestamp, then as written (the order of lines within a file).
function lakeEvents(run) {
  const out = [];
  const walk = (dir) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^event-.*\.json$/.test(e.name)) {
        if (!seen.has(p)) {
          const evs = [];
          let complete = true;
          for (const line of fs.readFileSync(p, 'utf8').split('\n')) {
            if (!line.trim()) continue;
            try {
              evs.push(JSON.parse(line));
            } catch {
              complete = false; // still being written: read it again next time
            }
          }
          if (!complete) continue;
          seen.set(p, evs);
        }
        out.push(...seen.get(p));
      }
    }
  };
  walk(path.join(LAKE, 'events'));
  const key = (e) => `${(e._ingest && e._ingest.receivedAt) || ''} ${e.eventTimestamp || ''}`;
  return out
    .filter((e) => typeof e.pageUrl === 'string' && e.pageUrl.includes(`run=${run}`))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// Polls the lake until done(events) holds or WAIT_MS passes; returns the last events read.
async function waitLake(run, done, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const evs = lakeEvents(run);
    if (done(evs) || Date.now() > end) return evs;
    await sleep(200);
  }
}

/* ---- browser ---- */

// Records the POST /clickstream requests a context makes: {type, contentType, body}.
function recordPosts(context) {
  const posts = [];
  context.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/clickstream')) {
      posts.push({ type: r.resourceType(), contentType: r.headers()['content-type'] || '', body: r.postData() || '' });
    }
  });
  return posts;
}

// Wraps navigator.sendBeacon in every page of the context to log each call in localStorage
// (Playwright does not see requests a page sends while it unloads): {type, bytes, ok, body}.
async function recordBeacons(context) {
  await context.addInitScript(() => {
    const orig = navigator.sendBeacon;
    if (!orig) return;
    navigator.sendBeacon = function (url, data) {
      const ok = orig.call(navigator, url, data);
      const log = JSON.parse(localStorage.getItem('sbw_test_beacons') || '[]');
      log.push({ url: String(url), type: typeof data, bytes: new TextEncoder().encode(String(data)).length, ok, body: ok ? '' : String(data).slice(0, 20) });
      localStorage.setItem('sbw_test_beacons', JSON.stringify(log));
      return ok;
    };
  });
}

// Returns the sendBeacon calls logged by recordBeacons, and the tracker's localStorage.
async function storage(context) {
  const state = await context.storageState();
  const origin = state.origins.find((o) => o.origin === new URL(PAGE).origin);
  const items = Object.fromEntries(((origin && origin.localStorage) || []).map((i) => [i.name, i.value]));
  return { beacons: JSON.parse(items.sbw_test_beacons || '[]'), items };
}

function pageUrl(run, load, extra = '') {
  return `${PAGE}${PAGE.includes('?') ? '&' : '?'}run=${run}&load=${load}${extra}`;
}

async function open(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.sbw && window.sbw.version);
}

/* ---- scenario 1: beacon only, identity across page loads ---- */

async function beaconScenario(browser) {
  console.log('# pagehide beacon, identity, product and element fields');
  const run = crypto.randomUUID();
  const context = await browser.newContext();
  const posts = recordPosts(context);
  await recordBeacons(context);
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));

  await open(page, pageUrl(run, 1));
  await page.click('#add-to-cart');
  await page.click('#wishlist');
  await page.click('#checkout');
  await page.click('#reviews');
  await sleep(1000);
  check('nothing is sent while the page is open (flushAt 1000, flushInterval 60000)',
    lakeEvents(run).length === 0 && posts.length === 0, `${posts.length} request(s) seen`);
  await page.goto('about:blank');

  const want1 = { page_view: 1, product_view: 1, click: 2, add_to_cart_click: 1, wishlist_toggle: 1, checkout_start: 1 };
  const load1 = (evs) => evs.filter((e) => e.pageUrl.includes('load=1'));
  let evs = await waitLake(run, (x) => load1(x).length >= 7);
  const l1 = load1(evs);
  check('the pagehide beacon delivered the events of load 1', Object.keys(want1).every((n) => count(l1, n) === want1[n]) && l1.length === 7,
    `got ${names(l1)}`);
  const { beacons, items } = await storage(context);
  check('the flush was one accepted sendBeacon call with a string body (sent as text/plain: no CORS preflight)',
    beacons.length === 1 && beacons[0].ok && beacons[0].type === 'string' && beacons[0].url === `${new URL(PAGE).origin}/clickstream`,
    show(beacons));
  check('no fetch request was made', posts.filter((p) => p.type === 'fetch').length === 0, show(posts.map((p) => p.type)));
  check('the tracker keeps its clientId in localStorage', items.sbw_client_id === l1[0].clientId, show(items));

  // A second page load in the same tab: same client and session, not a first visit.
  await open(page, pageUrl(run, 2));
  await page.click('#reviews');
  await page.goto('about:blank');
  evs = await waitLake(run, (x) => x.length >= 10);
  const l2 = evs.filter((e) => e.pageUrl.includes('load=2'));
  check('load 2 delivered page_view, product_view, click', names(l2) === 'click,page_view,product_view', `got ${names(l2)}`);

  const ids = new Set(evs.map((e) => e.eventId));
  check('every eventId is a UUID and unique', ids.size === evs.length && evs.every((e) => UUID_RE.test(e.eventId)),
    `${ids.size} ids for ${evs.length} events`);
  const clients = new Set(evs.map((e) => e.clientId));
  check('one clientId (a UUID) across both loads', clients.size === 1 && UUID_RE.test([...clients][0]), show([...clients]));
  const sessions = new Set(evs.map((e) => e.sessionId));
  check('one sessionId (a UUID) across both loads', sessions.size === 1 && UUID_RE.test([...sessions][0]), show([...sessions]));
  const firsts = evs.filter((e) => e.isFirstVisit === true);
  check('exactly one event has isFirstVisit true, the first page_view of load 1',
    firsts.length === 1 && firsts[0].eventName === 'page_view' && firsts[0].pageUrl.includes('load=1'),
    show(firsts.map((e) => [e.eventName, e.pageUrl])));
  check('every other event has isFirstVisit false', evs.filter((e) => e.isFirstVisit === false).length === evs.length - 1);
  check('load 2 has no isFirstVisit true', l2.every((e) => e.isFirstVisit === false));
  check('eventTimestamp and sentAt are ISO UTC, sentAt >= eventTimestamp',
    evs.every((e) => ISO_RE.test(e.eventTimestamp) && ISO_RE.test(e.sentAt) && e.sentAt >= e.eventTimestamp),
    show(evs.map((e) => [e.eventTimestamp, e.sentAt])));
  check('the ingest enriched every event (_ingest.receivedAt)', evs.every((e) => e._ingest && e._ingest.receivedAt));
  check('anonymous identity: userId null, userLoginState anonymous, no identitySource',
    evs.every((e) => e.userId === null && e.userLoginState === 'anonymous' && !('identitySource' in e)));
  check('referrer is null (direct navigation)', evs.every((e) => e.referrer === null), show(evs.map((e) => e.referrer)));

  for (const n of ['product_view', 'add_to_cart_click', 'wishlist_toggle']) {
    const e = l1.find((x) => x.eventName === n);
    check(`${n} carries the page's product`, e && eq(e.product, PRODUCT), show(e && e.product));
  }
  const co = l1.find((e) => e.eventName === 'checkout_start');
  check('checkout_start element.dataset = {cartId, total, itemCount} as strings', co && eq(co.element.dataset, CHECKOUT_DATASET),
    show(co && co.element));
  check('checkout_start element tag/id/text', co && co.element.tag === 'button' && co.element.id === 'checkout' && co.element.text === 'Checkout',
    show(co && co.element));
  const clicks = l1.filter((e) => e.eventName === 'click').map((e) => e.element && e.element.id).sort();
  check('click events for the add-to-cart button and the reviews link', eq(clicks, ['add-to-cart', 'reviews']), show(clicks));
  const link = l1.find((e) => e.eventName === 'click' && e.element.id === 'reviews');
  check('link click element = {tag a, role null, text, dataset {}}',
    link && link.element.tag === 'a' && link.element.role === null && link.element.text === 'Read the reviews' && eq(link.element.dataset, {}),
    show(link && link.element));
  const order = l1.map((e) => e.eventName);
  check('events keep their order (page_view, product_view first; checkout_start after add_to_cart_click)',
    order[0] === 'page_view' && order[1] === 'product_view' && order.indexOf('checkout_start') > order.indexOf('add_to_cart_click'),
    show(order));
  check('no tracker warnings', warnings.length === 0, show(warnings));
  await context.close();
}

/* ---- scenario 2: fetch batching, retry after 503, drop after 400, identify ---- */

async function fetchScenario(browser) {
  console.log('# fetch batching, retry, rejection, identify');
  const run = crypto.randomUUID();
  const context = await browser.newContext();
  const posts = recordPosts(context);
  const page = await context.newPage();
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  // The first request is answered 503 by the browser (it never reaches the server); a body
  // holding "refused_event" is answered 400; everything else goes to the server.
  const answers = [];
  let first = true;
  await page.route('**/clickstream', async (route) => {
    const body = route.request().postData() || '';
    if (first) {
      first = false;
      answers.push([503, body]);
      return route.fulfill({ status: 503, contentType: 'application/json', body: '{"success":false}' });
    }
    if (body.includes('refused_event')) {
      answers.push([400, body]);
      return route.fulfill({ status: 400, contentType: 'application/json', body: '{"success":false,"message":"test"}' });
    }
    answers.push([200, body]);
    return route.continue();
  });

  // page_view and product_view are queued at load and flushed after 300 ms: refused with 503,
  // retried 1 s later.
  await open(page, pageUrl(run, 1, '&flushAt=3&flushInterval=300'));
  let evs = await waitLake(run, (x) => x.length >= 2, 5000);
  check('a batch refused with 503 is retried and arrives while the page is open', names(evs) === 'page_view,product_view', `got ${names(evs)}`);
  check('the retry resent the same events as a JSON array with application/json',
    answers.length >= 2 && answers[0][0] === 503 && answers[1][0] === 200 &&
    eq(JSON.parse(answers[0][1]).map((e) => e.eventId), JSON.parse(answers[1][1]).map((e) => e.eventId)) &&
    posts.slice(0, 2).every((p) => p.contentType === 'application/json'),
    show(answers.map((a) => [a[0], a[1].slice(0, 30)])));
  const [sent1, sent2] = answers.slice(0, 2).map((a) => JSON.parse(a[1])[0].sentAt);
  check('sentAt is stamped again on the retry (about 1 s later)', Date.parse(sent2) - Date.parse(sent1) >= 900, `${sent1} -> ${sent2}`);

  // identify, then three events: flushAt 3 sends them at once as one array.
  await page.evaluate(() => {
    sbw.identify('user_42', 'logged_in', 'clerk_google');
    sbw.track('home_view');
    sbw.track('category_view', { product: { category: 'keyboard', id: 'keyboard' } });
    sbw.track('checkout_complete', { element: { tag: 'button', id: null, role: null, text: 'Pay', dataset: { orderId: 'o-1', orderNumber: '1001', total: '3580000' } } });
  });
  evs = await waitLake(run, (x) => x.length >= 5, 3000);
  const known = evs.filter((e) => ['home_view', 'category_view', 'checkout_complete'].includes(e.eventName));
  check('flushAt 3: the three events went out in one request',
    known.length === 3 && answers.some((a) => a[0] === 200 && a[1].startsWith('[') && JSON.parse(a[1]).length === 3), `got ${names(evs)}`);
  check('identify: userId, userLoginState logged_in, identitySource on later events',
    known.length === 3 && known.every((e) => e.userId === 'user_42' && e.userLoginState === 'logged_in' && e.identitySource === 'clerk_google'),
    show(known.map((e) => [e.userId, e.userLoginState, e.identitySource])));
  const cc = known.find((e) => e.eventName === 'checkout_complete');
  check('checkout_complete keeps element.dataset {orderId, orderNumber, total}',
    cc && eq(cc.element.dataset, { orderId: 'o-1', orderNumber: '1001', total: '3580000' }), show(cc && cc.element));

  // A refused (400) batch is dropped with a warning and does not block what follows; a single
  // event is sent as a plain object; identify(null) goes back to anonymous.
  await page.evaluate(() => {
    sbw.track('refused_event');
    return sbw.flush();
  });
  await page.evaluate(() => {
    sbw.identify(null);
    sbw.track('after_refusal');
    return sbw.flush();
  });
  evs = await waitLake(run, (x) => x.some((e) => e.eventName === 'after_refusal'), 3000);
  check('a batch refused with 400 is dropped, not retried', count(evs, 'refused_event') === 0 &&
    answers.filter((a) => a[1].includes('refused_event')).length === 1, show(answers.map((a) => a[0])));
  check('the refusal is reported with console.warn', warnings.some((w) => w.includes('HTTP 400')), show(warnings));
  const after = evs.find((e) => e.eventName === 'after_refusal');
  check('flush() sends a single event as a plain JSON object', answers.some((a) => a[1].startsWith('{') && a[1].includes('after_refusal')));
  check('identify(null) resets to anonymous', after && after.userId === null && after.userLoginState === 'anonymous' && !('identitySource' in after),
    show(after && [after.userId, after.userLoginState, after.identitySource]));
  check('the client and session stay the same across identify', new Set(evs.map((e) => `${e.clientId} ${e.sessionId}`)).size === 1);

  // Sessions: 29 minutes without an event keep the session, 31 minutes start a new one.
  const idle = (minutes, name) => page.evaluate(([minutes, name]) => {
    const s = JSON.parse(sessionStorage.getItem('sbw_session'));
    s.at = Date.now() - minutes * 60000;
    sessionStorage.setItem('sbw_session', JSON.stringify(s));
    sbw.track(name);
    return sbw.flush();
  }, [minutes, name]);
  await idle(29, 'idle_29_min');
  await idle(31, 'idle_31_min');
  evs = await waitLake(run, (x) => x.some((e) => e.eventName === 'idle_31_min'), 3000);
  const before = evs.find((e) => e.eventName === 'after_refusal');
  const i29 = evs.find((e) => e.eventName === 'idle_29_min');
  const i31 = evs.find((e) => e.eventName === 'idle_31_min');
  check('29 minutes without an event keep the sessionId', before && i29 && i29.sessionId === before.sessionId);
  check('31 minutes without an event start a new session (same clientId, not a first visit)',
    before && i31 && UUID_RE.test(i31.sessionId) && i31.sessionId !== before.sessionId && i31.clientId === before.clientId && i31.isFirstVisit === false,
    show(i31 && [i31.sessionId, i31.clientId, i31.isFirstVisit]));
  await context.close();
}

/* ---- scenario 3: more than 64 KiB left at pagehide ---- */

async function bigBeaconScenario(browser) {
  console.log('# pagehide with more than 64 KiB queued');
  const run = crypto.randomUUID();
  const context = await browser.newContext();
  await recordBeacons(context);
  const page = await context.newPage();
  await open(page, pageUrl(run, 1));
  const n = 40;
  await page.evaluate((n) => {
    for (let i = 0; i < n; i++) sbw.track('bulk_event', { seq: i, note: 'x'.repeat(1500) });
  }, n);
  await page.goto('about:blank');
  let evs = await waitLake(run, (x) => x.length >= 30, 5000);
  await sleep(500);
  evs = lakeEvents(run);
  const { beacons, items } = await storage(context);
  const sent = beacons.filter((b) => b.ok);
  check('the first chunks went out with sendBeacon, each at most 64 KiB',
    sent.length >= 1 && sent.every((b) => b.bytes <= 65536) && evs.length > 0 && evs.length < n + 2,
    show(beacons.map((b) => [b.ok, b.bytes])) + ` ${evs.length} events arrived`);
  const parkedEvents = JSON.parse(items.sbw_parked || '[]');
  check('what the browser refused (64 KiB in flight) was parked in localStorage',
    beacons.some((b) => !b.ok) && parkedEvents.length === n + 2 - evs.length, `${parkedEvents.length} parked, ${evs.length} arrived`);

  // The next page load takes the parked events back and sends them at its pagehide.
  await open(page, pageUrl(run, 2));
  await page.goto('about:blank');
  evs = await waitLake(run, (x) => x.length >= n + 4);
  check(`all ${n} bulk events (about ${Math.round(n * 1.9)} KiB) arrived after the next page load`,
    evs.length === n + 4 && count(evs, 'bulk_event') === n, `${evs.length} events`);
  const seqs = evs.filter((e) => e.eventName === 'bulk_event').map((e) => e.seq);
  check('no bulk event lost or duplicated', eq([...seqs].sort((a, b) => a - b), [...Array(n).keys()]), show(seqs));
  check('the parked list is empty afterwards', !(await storage(context)).items.sbw_parked);
  await context.close();
}

/* ---- scenario 4: Do Not Track ---- */

async function dntScenario(browser) {
  console.log('# Do Not Track');
  const run = crypto.randomUUID();
  const context = await browser.newContext();
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });
    window.sbw = [['track', 'queued_before_load', { queued: true }]]; // the async-snippet form
  });
  const page = await context.newPage();
  await open(page, pageUrl(run, 1, '&respectDnt=1'));
  await page.click('#add-to-cart');
  const state = await page.evaluate(() => ({ enabled: sbw.enabled, keys: Object.keys(localStorage).concat(Object.keys(sessionStorage)) }));
  check('DNT=1 with respectDnt: the tracker is disabled and stores nothing', state.enabled === false && state.keys.length === 0, show(state));
  await open(page, pageUrl(run, 2));
  await page.goto('about:blank');
  const evs = await waitLake(run, (x) => x.some((e) => e.pageUrl.includes('load=2')));
  check('DNT=1 without respectDnt: events are sent; with it: none', evs.length > 0 && evs.every((e) => e.pageUrl.includes('load=2')),
    show(evs.map((e) => [e.eventName, e.pageUrl.slice(-6)])));
  check('calls queued in window.sbw before load are replayed first',
    evs.length > 0 && evs[0].eventName === 'queued_before_load' && evs[0].queued === true && count(evs, 'queued_before_load') === 1,
    show(evs.map((e) => e.eventName)));
  await context.close();
}

/* ---- main ---- */

let browser;
try {
  browser = await launchChromium();
} catch (e) {
  console.error(`cannot start ${CHROMIUM}: ${e.message}`);
  process.exit(2);
}
try {
  await beaconScenario(browser);
  await fetchScenario(browser);
  await bigBeaconScenario(browser);
  await dntScenario(browser);
} catch (e) {
  check('the test ran to completion', false, e.stack);
} finally {
  await browser.close();
}
finish();
