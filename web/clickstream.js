/* clickstream.js: the sbw browser tracker. Queues shopper events, batches them to
 * POST /clickstream and flushes the rest with sendBeacon when the page is hidden or left.
 * A drop-in for the original storefront tracker (same fields and identity rules) plus
 * eventTimestamp/sentAt, batching, retry and identitySource. Documented in docs/tracker.md.
 * No cookies, no fingerprinting; no dependencies; exposes window.sbw. */
(function (w, d) {
  'use strict';
  if (w.sbw && w.sbw.version) return; // loaded twice: keep the first instance

  var VERSION = '1.0.0';
  var SESSION_MS = 30 * 60 * 1000; // a new session after 30 minutes without an event
  var MAX_BODY = 60 * 1024; // bytes per request: keepalive/beacon bodies are capped at 64 KiB
  var MAX_BATCH = 100; // events per request (the ingest accepts up to 500)
  var MAX_RETRIES = 8; // delays 1, 2, 4, 8, 16, 30, 30, 30 s, then the batch is dropped
  var KEY_CLIENT = 'sbw_client_id'; // localStorage
  var KEY_IDENTITY = 'sbw_identity'; // localStorage: {userId, userLoginState, identitySource}
  var KEY_PARKED = 'sbw_parked'; // localStorage: events not delivered when the page was left
  var KEY_SESSION = 'sbw_session'; // sessionStorage: {id, at (last activity, epoch ms)}
  var NAME_RE = /^[A-Za-z0-9_.:-]{1,64}$/; // what the ingest accepts as an event name
  var LOGIN_STATES = ['logged_in', 'anonymous', 'guest'];
  var RESERVED = ['eventName', 'eventId', 'eventTimestamp', 'sentAt', 'clientId', 'sessionId',
    'isFirstVisit', 'userId', 'userLoginState', 'identitySource'];
  var CLICKABLE = '[data-track],a,button,[role="button"],input[type="button"],input[type="submit"]';

  function warn(msg) {
    if (w.console) console.warn('[sbw] ' + msg);
  }

  /* ---- configuration: defaults < data- attributes of the script tag < window.sbwConfig ---- */

  var script = d.currentScript;
  function attr(name) {
    var a = 'data-' + name;
    return script && script.hasAttribute(a) ? script.getAttribute(a) : undefined;
  }
  function pick(key, attrName) {
    var c = w.sbwConfig;
    return c && c[key] !== undefined ? c[key] : attr(attrName);
  }
  function num(v, def, min) {
    var n = Number(v);
    return v === undefined || v === '' || !isFinite(n) || n < min ? def : Math.floor(n);
  }
  function bool(v, def) { // a bare attribute (data-x="") counts as true
    return v === undefined ? def : !(v === false || v === 'false' || v === '0' || v === 'no');
  }
  function defaultEndpoint() {
    try {
      return new URL(script.src).origin + '/clickstream';
    } catch (e) {
      return location.origin + '/clickstream';
    }
  }
  var cfg = {
    endpoint: String(pick('endpoint', 'endpoint') || defaultEndpoint()),
    flushAt: num(pick('flushAt', 'flush-at'), 10, 1),
    flushInterval: num(pick('flushInterval', 'flush-interval'), 2000, 0),
    maxQueue: num(pick('maxQueue', 'max-queue'), 500, 1),
    autoPageView: bool(pick('autoPageView', 'auto-page-view'), true),
    trackClicks: bool(pick('trackClicks', 'track-clicks'), true),
    respectDnt: bool(pick('respectDnt', 'respect-dnt'), false)
  };

  /* ---- storage: falls back to memory when the browser refuses (privacy modes, quotas) ---- */

  function store(kind) {
    var mem = {};
    var s = null;
    try {
      s = w[kind];
      s.setItem('sbw_probe', '1');
      s.removeItem('sbw_probe');
    } catch (e) {
      s = null;
    }
    return {
      persistent: !!s,
      get: function (k) {
        try { return s ? s.getItem(k) : (k in mem ? mem[k] : null); } catch (e) { return null; }
      },
      set: function (k, v) {
        try { if (s) s.setItem(k, v); else mem[k] = v; } catch (e) { mem[k] = v; }
      },
      del: function (k) {
        try { if (s) s.removeItem(k); } catch (e) { /* ignored */ }
        delete mem[k];
      }
    };
  }
  var local = store('localStorage');
  var session = store('sessionStorage');

  /* ---- ids ---- */

  var cryptoObj = w.crypto;
  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1);
    return s;
  }
  // A random (v4) UUID; in insecure contexts, where randomUUID is missing, built from
  // getRandomValues; without any crypto, the original tracker's "<epoch-ms>-<8 hex>".
  function uuid() {
    if (cryptoObj && cryptoObj.randomUUID) return cryptoObj.randomUUID();
    if (cryptoObj && cryptoObj.getRandomValues) {
      var b = cryptoObj.getRandomValues(new Uint8Array(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      var h = hex(b);
      return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
    }
    return Date.now() + '-' + Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  }

  /* ---- identity ---- */

  // Returns the client id and whether this call created it. isFirstVisit is null (unknown)
  // when the id cannot be persisted, since every page would otherwise look like a first visit.
  function clientId() {
    var id = local.get(KEY_CLIENT);
    if (id) return {id: id, first: false};
    id = uuid();
    local.set(KEY_CLIENT, id);
    return {id: id, first: local.persistent ? true : null};
  }

  // Returns the session id, renewing it after SESSION_MS without activity; records now as
  // the last activity.
  function sessionId(now) {
    var s = null;
    try { s = JSON.parse(session.get(KEY_SESSION)); } catch (e) { /* renewed below */ }
    if (!s || typeof s.id !== 'string' || !(now - s.at < SESSION_MS)) s = {id: uuid()};
    s.at = now;
    session.set(KEY_SESSION, JSON.stringify(s));
    return s.id;
  }

  function identity() {
    var v = null;
    try { v = JSON.parse(local.get(KEY_IDENTITY)); } catch (e) { /* anonymous */ }
    return v && typeof v === 'object' ? v : {userId: null, userLoginState: 'anonymous'};
  }

  /* ---- events ---- */

  // Cuts s to at most max UTF-16 units without splitting a surrogate pair.
  function clip(s, max) {
    s = String(s);
    if (s.length <= max) return s;
    var c = s.charCodeAt(max - 1);
    return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
  }

  var utf8 = w.TextEncoder ? new TextEncoder() : null;
  function bytes(s) {
    return utf8 ? utf8.encode(s).length : s.length * 3;
  }

  var queue = [];
  var timer = null;
  var draining = null; // Promise of the running drain, if any

  function track(name, props) {
    if (!NAME_RE.test(String(name))) {
      warn('event name "' + name + '" dropped: use 1-64 of A-Z a-z 0-9 _ . : -');
      return;
    }
    var now = Date.now();
    var c = clientId();
    var who = identity();
    var ev = {
      eventName: String(name),
      eventId: uuid(),
      eventTimestamp: new Date(now).toISOString(),
      pageUrl: location.href,
      referrer: d.referrer || null,
      userId: who.userId == null ? null : String(who.userId),
      userLoginState: who.userLoginState || 'anonymous',
      clientId: c.id,
      sessionId: sessionId(now),
      isFirstVisit: c.first
    };
    if (who.identitySource) ev.identitySource = String(who.identitySource);
    if (props && typeof props === 'object') {
      Object.keys(props).forEach(function (k) {
        if (RESERVED.indexOf(k) < 0 && props[k] !== undefined) ev[k] = props[k];
      });
    }
    var size;
    try {
      size = bytes(JSON.stringify(ev));
    } catch (e) { // a circular or otherwise unserialisable prop
      warn('event "' + name + '" dropped: ' + e.message);
      return;
    }
    if (size > MAX_BODY - 100) {
      warn('event "' + name + '" dropped: larger than ' + MAX_BODY + ' bytes');
      return;
    }
    if (queue.length >= cfg.maxQueue) {
      queue.shift();
      warn('queue full (' + cfg.maxQueue + ' events): dropped the oldest event');
    }
    queue.push(ev);
    schedule();
  }

  // Flushes when flushAt events are queued, else makes sure a flush is due within flushInterval.
  function schedule() {
    if (queue.length >= cfg.flushAt) flush();
    else if (queue.length && !timer && !draining) timer = setTimeout(flush, cfg.flushInterval);
  }

  // Returns a product object with the known product fields of an object, or of the
  // data-product-* attributes of an element (or of the first element a selector matches).
  // Prices from attributes become numbers; an empty or missing discount price becomes null.
  function product(src) {
    if (typeof src === 'string') src = d.querySelector(src);
    if (!src) return null;
    var p = {};
    if (src.nodeType === 1) {
      var ds = src.dataset;
      var price = function (v) { return v === undefined || v === '' || isNaN(v) ? null : Number(v); };
      p = {id: ds.productId, name: ds.productName, category: ds.productCategory,
        brand: ds.productBrand, price: price(ds.productPrice),
        discountPrice: price(ds.productDiscountPrice), urlPath: ds.productUrlPath};
    } else {
      ['id', 'name', 'category', 'brand', 'price', 'discountPrice', 'urlPath'].forEach(function (k) {
        p[k] = src[k];
      });
    }
    Object.keys(p).forEach(function (k) { if (p[k] === undefined) delete p[k]; });
    return p;
  }

  // The element object of the original tracker: tag, id, role, text (<= 160), data-* strings
  // (without data-track, which names the event).
  function element(el) {
    var ds = {};
    Object.keys(el.dataset || {}).slice(0, 32).forEach(function (k) {
      if (k !== 'track') ds[k] = clip(el.dataset[k], 500);
    });
    var text = (el.tagName === 'INPUT' ? el.value : el.textContent) || '';
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id || null,
      role: el.getAttribute('role'),
      text: clip(text.replace(/\s+/g, ' ').trim(), 160),
      dataset: ds
    };
  }

  function onClick(e) {
    var t = e.target;
    var el = t && t.closest ? t.closest(CLICKABLE) : null;
    if (!el || el.closest('[data-sbw-ignore]')) return;
    var props = {element: element(el)};
    var name = 'click';
    if (el.hasAttribute('data-track')) {
      var v = el.getAttribute('data-track');
      if (NAME_RE.test(v)) name = v;
      var holder = el.closest('[data-product-id]');
      if (holder) props.product = product(holder);
    }
    track(name, props);
  }

  /* ---- transport ---- */

  // Takes from the head of list the events that fit one request, each stamped with sentAt.
  // Returns {events, body}: a single event is sent as a plain object, several as an array.
  function batch(list) {
    var sentAt = new Date().toISOString();
    var events = [];
    var parts = [];
    var size = 2;
    for (var i = 0; i < list.length && events.length < MAX_BATCH; i++) {
      list[i].sentAt = sentAt;
      var s = JSON.stringify(list[i]);
      var n = bytes(s) + 1;
      if (events.length && size + n > MAX_BODY) break;
      events.push(list[i]);
      parts.push(s);
      size += n;
    }
    return {events: events, body: parts.length === 1 ? parts[0] : '[' + parts.join(',') + ']'};
  }

  function post(body) {
    return fetch(cfg.endpoint, {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: body, keepalive: true});
  }

  function remove(events) {
    queue = queue.filter(function (e) { return events.indexOf(e) < 0; });
  }

  function sleep(ms) {
    return new Promise(function (r) { setTimeout(r, ms); });
  }

  // Sends the queue in order, one request at a time. A batch that fails with a network error,
  // 408, 429 or 5xx is retried with exponential backoff (1 s doubling, or Retry-After if
  // longer; cap 30 s) and dropped after MAX_RETRIES; a batch refused with another 4xx is
  // dropped at once. Never rejects.
  async function drain() {
    var tries = 0;
    var head = null;
    while (queue.length) {
      var b = batch(queue);
      if (b.events[0] !== head) tries = 0;
      head = b.events[0];
      var status = 0;
      var after = 0; // Retry-After seconds (sbw-ingest sends it with 503)
      try {
        var res = await post(b.body);
        status = res.status;
        after = Number(res.headers.get('Retry-After')) || 0;
      } catch (e) { /* network error: status 0 */ }
      if (status >= 200 && status < 300) {
        remove(b.events);
      } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        remove(b.events);
        warn('server refused ' + b.events.length + ' event(s) with HTTP ' + status + ': dropped');
      } else if (tries >= MAX_RETRIES) {
        remove(b.events);
        warn('gave up on ' + b.events.length + ' event(s) after ' + (tries + 1) + ' attempts');
      } else {
        await sleep(Math.min(Math.max(1000 * Math.pow(2, tries++), after * 1000), 30000));
      }
    }
  }

  // Sends everything queued now. Returns a Promise that resolves (never rejects) once the
  // queue is empty: sent, or dropped after the retries described at drain.
  function flush() {
    clearTimeout(timer);
    timer = null;
    if (!draining) {
      draining = drain().then(function () { draining = null; }, function () { draining = null; });
    }
    return draining;
  }

  // Events the browser would not take when the page was hidden wait in localStorage ("parked")
  // until the next page of this site loads, or this page is shown again.
  function parked() {
    try {
      var v = JSON.parse(local.get(KEY_PARKED));
      return Array.isArray(v) ? v : [];
    } catch (e) {
      return [];
    }
  }

  function park(events) {
    local.set(KEY_PARKED, JSON.stringify(parked().concat(events).slice(-cfg.maxQueue)));
  }

  // Removes events from the parked list (delivered after all).
  function forget(events) {
    var ids = events.map(function (e) { return e.eventId; });
    var left = parked().filter(function (e) { return ids.indexOf(e.eventId) < 0; });
    if (left.length) local.set(KEY_PARKED, JSON.stringify(left));
    else local.del(KEY_PARKED);
  }

  // Moves the parked events to the head of the queue (they are older than anything queued).
  function unpark() {
    var evs = parked();
    if (!evs.length) return;
    local.del(KEY_PARKED);
    var ids = queue.map(function (e) { return e.eventId; });
    evs = evs.filter(function (e) { return e && ids.indexOf(e.eventId) < 0; });
    queue = evs.concat(queue).slice(-cfg.maxQueue);
    schedule();
  }

  // The page is being hidden or left: hands the whole queue to the browser, which delivers it
  // even after the page is gone. sendBeacon with a string sends text/plain (no CORS preflight).
  // Browsers allow only 64 KiB of such requests in flight: when sendBeacon refuses a chunk,
  // the rest is parked and the refused chunk is tried once more with fetch keepalive
  // (un-parked if that succeeds). Events of a fetch still in flight are sent again, and an
  // event may arrive twice if the page dies between the fallback's success and forget():
  // the warehouse dedups on eventId.
  function beacon() {
    clearTimeout(timer);
    timer = null;
    var rest = queue;
    queue = [];
    while (rest.length) {
      var b = batch(rest);
      var ok = false;
      try {
        ok = !!(navigator.sendBeacon && navigator.sendBeacon(cfg.endpoint, b.body));
      } catch (e) { /* fall back below */ }
      if (!ok) {
        park(rest);
        post(b.body).then(function (r) { if (r.ok) forget(b.events); }, function () {});
        return;
      }
      rest = rest.slice(b.events.length);
    }
  }

  /* ---- public API ---- */

  var dnt = cfg.respectDnt && (navigator.doNotTrack === '1' || w.doNotTrack === '1');
  function off() {}
  var api = {
    version: VERSION,
    config: cfg,
    enabled: !dnt,
    // track(name, props): props may hold product, element and any extra fields.
    track: dnt ? off : track,
    page: dnt ? off : function (props) { track('page_view', props); },
    // identify(userId, loginState, identitySource): persists who the shopper is; identify(null)
    // resets to anonymous. loginState defaults to logged_in with a userId, else anonymous.
    identify: dnt ? off : function (userId, loginState, identitySource) {
      var state = loginState || (userId == null ? 'anonymous' : 'logged_in');
      if (LOGIN_STATES.indexOf(state) < 0) {
        warn('unknown login state "' + loginState + '": use logged_in, anonymous or guest');
        return;
      }
      if (userId == null && state === 'anonymous' && !identitySource) return local.del(KEY_IDENTITY);
      local.set(KEY_IDENTITY, JSON.stringify({userId: userId == null ? null : String(userId),
        userLoginState: state, identitySource: identitySource || undefined}));
    },
    flush: dnt ? function () { return Promise.resolve(); } : flush,
    product: product,
    // push(['track', name, props]): the queued-call form, for code that may run before load.
    push: function (call) {
      var f = call && call[0] !== 'push' && api[call[0]];
      if (typeof f === 'function') f.apply(null, call.slice(1));
    }
  };

  var pending = Array.isArray(w.sbw) ? w.sbw : []; // calls queued before load
  w.sbw = api;
  if (dnt) return;

  pending.forEach(api.push);
  unpark();
  w.addEventListener('pagehide', beacon);
  d.addEventListener('visibilitychange', function () {
    if (d.visibilityState === 'hidden') beacon();
    else unpark();
  });
  if (cfg.trackClicks) d.addEventListener('click', onClick, true);
  if (cfg.autoPageView) api.page();
})(window, document);
