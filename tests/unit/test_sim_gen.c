/* test_sim_gen: the shopper simulator's generator (sim/sbw_sim_gen): determinism, the event
 * contract, funnel shape, first visits, session splits, checkout totals, tracker batches. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_body.h"
#include "sbw_event.h"
#include "sbw_sim_catalog.h"
#include "sbw_sim_gen.h"
#include "sbw_sim_rng.h"
#include "sbw_test.h"
#include "sbw_time.h"

#define END_MS 1795737600000LL /* 2026-11-27T00:00:00Z */
#define DAY_MS 86400000LL

static sbw_sim_opts_t opts(uint64_t seed, double days, double visits_per_day)
{
    sbw_sim_opts_t o;
    sbw_sim_opts_init(&o);
    o.seed = seed;
    o.end_ms = END_MS;
    o.start_ms = END_MS - (int64_t)(days * (double)DAY_MS);
    o.visits = days * visits_per_day;
    return o;
}

typedef void (*req_fn)(const sbw_sim_req_t *req, void *ud);

/* Runs the generator to its end; returns the events produced. */
static int64_t run(const sbw_sim_opts_t *o, req_fn fn, void *ud)
{
    sbw_sim_gen_t *g = NULL;
    char err[256];
    ck_assert_msg(sbw_sim_gen_new(o, &g, err, sizeof err) == 0, "%s", err);
    sbw_sim_req_t *req = malloc(sizeof *req);
    int rc;
    while ((rc = sbw_sim_gen_next(g, req)) == 1)
        if (fn)
            fn(req, ud);
    ck_assert_int_eq(rc, 0);
    int64_t n = sbw_sim_gen_events(g);
    free(req);
    sbw_sim_gen_free(g);
    return n;
}

/* ---- determinism ---- */

typedef struct {
    uint64_t h;
    int64_t events;
} hash_t;

static void hash_req(const sbw_sim_req_t *req, void *ud)
{
    hash_t *h = ud;
    h->h = sbw_sim_fnv1a(h->h, req->body, req->body_len);
    h->h = sbw_sim_fnv1a(h->h, &req->received_ms, sizeof req->received_ms);
    h->h = sbw_sim_fnv1a(h->h, req->user_agent, strlen(req->user_agent));
    h->h = sbw_sim_fnv1a(h->h, req->source_ip, strlen(req->source_ip));
    h->events += req->n;
}

static uint64_t hash_run(uint64_t seed, sbw_sim_payload_t payload)
{
    sbw_sim_opts_t o = opts(seed, 3, 1500);
    o.max_events = 10000;
    o.payload = payload;
    hash_t h = {SBW_SIM_FNV_INIT, 0};
    ck_assert_int_eq(run(&o, hash_req, &h), 10000);
    ck_assert_int_eq(h.events, 10000);
    return h.h;
}

START_TEST(same_seed_same_bytes)
{
    uint64_t a = hash_run(42, SBW_SIM_PAYLOAD_ORIGINAL), b = hash_run(42, SBW_SIM_PAYLOAD_ORIGINAL);
    uint64_t c = hash_run(43, SBW_SIM_PAYLOAD_ORIGINAL);
    ck_assert_msg(a == b, "two runs of seed 42 differ");
    ck_assert_msg(a != c, "seeds 42 and 43 give the same events");
    uint64_t t1 = hash_run(42, SBW_SIM_PAYLOAD_TRACKER), t2 = hash_run(42, SBW_SIM_PAYLOAD_TRACKER);
    ck_assert_msg(t1 == t2 && t1 != a, "tracker payloads not deterministic or equal to original");
}
END_TEST

START_TEST(uuids_are_v4)
{
    sbw_sim_rng_t r;
    sbw_sim_rng_seed(&r, 7, 0);
    for (int i = 0; i < 1000; i++) {
        char u[37];
        sbw_sim_rng_uuid(&r, u);
        ck_assert_int_eq(strlen(u), 36);
        ck_assert_msg(sbw_event_uuid_valid(u), "%s", u);
        ck_assert_int_eq(u[14], '4');
        ck_assert_msg(strchr("89ab", u[19]) != NULL, "variant of %s", u);
    }
}
END_TEST

START_TEST(events_exactly_n)
{
    sbw_sim_opts_t o = opts(5, 7, 1);
    double v = sbw_sim_visits_for_events(&o, 50000);
    ck_assert_msg(v > 1000, "visits %f", v);
    o.visits = v;
    o.max_events = 50000;
    ck_assert_int_eq(run(&o, NULL, NULL), 50000);
}
END_TEST

/* ---- contract ---- */

typedef struct {
    sbw_limits_t limits;
    int64_t events, requests, fallback_ids, bots, with_product;
    int tracker;
} contract_t;

static void check_contract(const sbw_sim_req_t *req, void *ud)
{
    contract_t *c = ud;
    sbw_body_t b;
    char err[512];
    ck_assert_msg(sbw_body_split(req->body, req->body_len, &c->limits, &b, err, sizeof err) == 0,
                  "body rejected: %s: %.300s", err, req->body);
    ck_assert_int_eq((int)b.count, req->n);
    ck_assert_int_eq((int)b.accepted, req->n);
    ck_assert_int_eq(b.shape, req->n == 1 ? SBW_BODY_OBJECT : SBW_BODY_ARRAY);
    for (size_t i = 0; i < b.count; i++) {
        const cJSON *ev = b.items[i].obj;
        ck_assert_int_eq(b.items[i].offset, req->off[i]);
        sbw_event_t row;
        ck_assert_msg(sbw_event_normalise(ev, NULL, 0, END_MS, &row, err, sizeof err) == 0,
                      "normalise: %s", err);
        ck_assert_msg(row.client_id && row.session_id && row.user_login_state && row.page_url,
                      "missing fields in %.300s", req->body);
        ck_assert(row.is_first_visit != SBW_TRI_UNKNOWN);
        if (row.client_event_id)
            c->fallback_ids++;
        if (row.context_product_id)
            c->with_product++;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "eventId");
        ck_assert(cJSON_IsString(id));
        if (!sbw_event_uuid_valid(id->valuestring)) {
            /* the tracker's fallback <epoch-ms>-<8 hex> */
            char *dash = strchr(id->valuestring, '-');
            ck_assert_msg(dash && strlen(dash + 1) == 8 && dash - id->valuestring == 13, "id %s",
                          id->valuestring);
        }
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "eventTimestamp");
        const cJSON *sent = cJSON_GetObjectItemCaseSensitive(ev, "sentAt");
        if (c->tracker) {
            int64_t t, s;
            ck_assert(cJSON_IsString(ts) && cJSON_IsString(sent));
            ck_assert_int_eq(sbw_time_parse_iso(ts->valuestring, &t), 0);
            ck_assert_int_eq(sbw_time_parse_iso(sent->valuestring, &s), 0);
            ck_assert_int_eq(t, req->event_ms[i]);
            ck_assert(s >= t && s < req->received_ms);
        } else {
            ck_assert_ptr_null(ts);
            ck_assert_ptr_null(sent);
        }
        sbw_event_cleanup(&row);
    }
    sbw_body_cleanup(&b);
    c->events += req->n;
    c->requests++;
    c->bots += req->is_bot;
}

START_TEST(payloads_pass_the_contract)
{
    for (int tracker = 0; tracker <= 1; tracker++) {
        contract_t c;
        memset(&c, 0, sizeof c);
        sbw_limits_init(&c.limits);
        c.tracker = tracker;
        sbw_sim_opts_t o = opts(11, 2, 1500);
        o.payload = tracker ? SBW_SIM_PAYLOAD_TRACKER : SBW_SIM_PAYLOAD_ORIGINAL;
        o.flush_ms = 60000;
        int64_t n = run(&o, check_contract, &c);
        ck_assert_int_eq(c.events, n);
        ck_assert_msg(n > 20000, "only %lld events", (long long)n);
        if (tracker)
            ck_assert_msg(c.requests < n, "tracker mode sent no batches");
        else
            ck_assert_int_eq(c.requests, n);
        ck_assert_msg(c.fallback_ids > n / 200 && c.fallback_ids < n / 20, "fallback ids %lld",
                      (long long)c.fallback_ids);
        ck_assert_msg(c.bots > 0, "no bot requests");
        ck_assert(c.with_product > n / 4);
    }
}
END_TEST

/* The storefront's payload exactly: member order and shapes as in original-system.md §1. */
START_TEST(original_payload_shape)
{
    sbw_sim_opts_t o = opts(3, 1, 2000);
    sbw_sim_gen_t *g = NULL;
    char err[256];
    ck_assert_int_eq(sbw_sim_gen_new(&o, &g, err, sizeof err), 0);
    sbw_sim_req_t *req = malloc(sizeof *req);
    int seen_pv = 0, seen_cat = 0, seen_cs = 0, seen_cc = 0;
    static const char *const order[] = {"eventName", "eventId",   "pageUrl",
                                        "referrer",  "userId",    "userLoginState",
                                        "clientId",  "sessionId", "isFirstVisit"};
    while (sbw_sim_gen_next(g, req) == 1) {
        cJSON *ev = cJSON_ParseWithLength(req->body, req->body_len);
        ck_assert_ptr_nonnull(ev);
        const cJSON *m = ev->child;
        for (size_t i = 0; i < sizeof order / sizeof *order; i++, m = m->next)
            ck_assert_msg(m && strcmp(m->string, order[i]) == 0, "member %zu of %s", i, req->body);
        const char *name = cJSON_GetObjectItem(ev, "eventName")->valuestring;
        const cJSON *p = cJSON_GetObjectItem(ev, "product");
        const cJSON *ds = cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "element"), "dataset");
        const char *login = cJSON_GetObjectItem(ev, "userLoginState")->valuestring;
        const cJSON *uid = cJSON_GetObjectItem(ev, "userId");
        ck_assert_msg(strcmp(login, "logged_in") == 0 ? cJSON_IsString(uid) : cJSON_IsNull(uid),
                      "%s", req->body);
        if (strcmp(name, "product_view") == 0 && !seen_pv++) {
            ck_assert_int_eq(cJSON_GetArraySize(p), 7);
            ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(p, "price")));
            ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(p, "id")->valuestring, "prod_"));
            ck_assert_ptr_nonnull(
                strstr(cJSON_GetObjectItem(p, "urlPath")->valuestring, "/product/"));
        }
        if (strcmp(name, "category_view") == 0) {
            seen_cat++;
            ck_assert_int_eq(cJSON_GetArraySize(p), 2);
            ck_assert_str_eq(p->child->string, "category");
            ck_assert_str_eq(p->child->next->string, "id");
        }
        if (strcmp(name, "checkout_start") == 0) {
            seen_cs++;
            ck_assert_int_eq(cJSON_GetArraySize(ds), 3);
            ck_assert(cJSON_IsString(cJSON_GetObjectItem(ds, "cartId")));
            ck_assert(cJSON_IsString(cJSON_GetObjectItem(ds, "total")));
            ck_assert(cJSON_IsString(cJSON_GetObjectItem(ds, "itemCount")));
            ck_assert_msg(strcmp(login, "anonymous") != 0, "checkout as anonymous");
        }
        if (strcmp(name, "checkout_complete") == 0) {
            seen_cc++;
            ck_assert_int_eq(cJSON_GetArraySize(ds), 3);
            ck_assert(cJSON_IsString(cJSON_GetObjectItem(ds, "orderId")));
            ck_assert_ptr_nonnull(
                strstr(cJSON_GetObjectItem(ds, "orderNumber")->valuestring, "SBW-"));
        }
        cJSON_Delete(ev);
    }
    ck_assert(seen_pv && seen_cat && seen_cs && seen_cc);
    free(req);
    sbw_sim_gen_free(g);
}
END_TEST

/* ---- funnel, first visits, sessions ---- */

#define NSTEPS 6
static const char *const STEPS[NSTEPS] = {"home_view",      "category_view",
                                          "product_view",   "add_to_cart_click",
                                          "checkout_start", "checkout_complete"};

typedef struct {
    cJSON *sessions;  /* sessionId -> bitmask of steps */
    cJSON *first;     /* clientId -> count of isFirstVisit true */
    cJSON *last;      /* clientId -> [last time, last sessionId] */
    cJSON *sess_last; /* sessionId -> last time */
    int64_t gap_splits;
    int64_t bad_splits;
    int64_t long_sessions;
} shape_t;

static void check_shape(const sbw_sim_req_t *req, void *ud)
{
    shape_t *s = ud;
    for (int i = 0; i < req->n; i++) {
        cJSON *ev = cJSON_ParseWithLength(req->body + req->off[i], req->len[i]);
        const char *name = cJSON_GetObjectItem(ev, "eventName")->valuestring;
        const char *sid = cJSON_GetObjectItem(ev, "sessionId")->valuestring;
        const char *cid = cJSON_GetObjectItem(ev, "clientId")->valuestring;
        int64_t t = req->event_ms[i];
        cJSON *mask = cJSON_GetObjectItem(s->sessions, sid);
        if (!mask)
            mask = cJSON_AddNumberToObject(s->sessions, sid, 0);
        for (int k = 0; k < NSTEPS; k++)
            if (strcmp(name, STEPS[k]) == 0)
                cJSON_SetNumberValue(mask, (double)((int)mask->valuedouble | (1 << k)));
        if (cJSON_IsTrue(cJSON_GetObjectItem(ev, "isFirstVisit"))) {
            cJSON *n = cJSON_GetObjectItem(s->first, cid);
            if (n)
                cJSON_SetNumberValue(n, n->valuedouble + 1);
            else
                cJSON_AddNumberToObject(s->first, cid, 1);
        } else {
            ck_assert_msg(cJSON_GetObjectItem(s->last, cid) != NULL,
                          "client %s: isFirstVisit false on its first event", cid);
        }
        cJSON *prev = cJSON_GetObjectItem(s->last, cid);
        if (prev) {
            int64_t pt = (int64_t)cJSON_GetArrayItem(prev, 0)->valuedouble;
            const char *psid = cJSON_GetArrayItem(prev, 1)->valuestring;
            ck_assert_msg(t >= pt, "client %s goes back in time", cid);
            if (t - pt > 30 * 60000) {
                /* more than 30 minutes idle: a new session */
                if (strcmp(psid, sid) == 0)
                    s->bad_splits++;
                else
                    s->gap_splits++;
            }
            cJSON_DeleteItemFromObject(s->last, cid);
        }
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)t));
        cJSON_AddItemToArray(pair, cJSON_CreateString(sid));
        cJSON_AddItemToObject(s->last, cid, pair);
        cJSON_Delete(ev);
    }
}

START_TEST(funnel_first_visits_and_sessions)
{
    shape_t s = {cJSON_CreateObject(), cJSON_CreateObject(), cJSON_CreateObject(), NULL, 0, 0, 0};
    sbw_sim_opts_t o = opts(7, 7, 400);
    int64_t n = run(&o, check_shape, &s);
    ck_assert(n > 10000);
    /* Sessions reaching each step: strictly fewer at every step, purchases happen. */
    int64_t reach[NSTEPS] = {0};
    for (cJSON *m = s.sessions->child; m; m = m->next)
        for (int k = 0; k < NSTEPS; k++)
            if ((int)m->valuedouble & (1 << k))
                reach[k]++;
    for (int k = 1; k < NSTEPS; k++)
        ck_assert_msg(reach[k] < reach[k - 1], "%s %lld >= %s %lld", STEPS[k], (long long)reach[k],
                      STEPS[k - 1], (long long)reach[k - 1]);
    ck_assert_msg(reach[5] > 0, "no purchases in a week");
    /* Plausible conversion: 0.5 % to 10 % of sessions buy. */
    int64_t sessions = cJSON_GetArraySize(s.sessions);
    ck_assert_msg(reach[5] * 200 > sessions && reach[5] * 10 < sessions, "%lld of %lld buy",
                  (long long)reach[5], (long long)sessions);
    /* isFirstVisit exactly once per client. */
    int64_t clients = 0;
    for (cJSON *c = s.first->child; c; c = c->next, clients++)
        ck_assert_msg(c->valuedouble == 1, "client %s: isFirstVisit true %g times", c->string,
                      c->valuedouble);
    ck_assert_int_eq(clients, cJSON_GetArraySize(s.last));
    ck_assert_msg(clients < sessions, "no returning clients");
    /* Gaps over 30 minutes always start a new session, and some visits have them. */
    ck_assert_int_eq(s.bad_splits, 0);
    ck_assert_msg(s.gap_splits > 10, "only %lld sessions split by gaps", (long long)s.gap_splits);
    cJSON_Delete(s.sessions);
    cJSON_Delete(s.first);
    cJSON_Delete(s.last);
}
END_TEST

/* Within a session, no two consecutive events are more than 30 minutes apart. */
typedef struct {
    cJSON *last; /* sessionId -> last time */
} idle_t;

static void check_idle(const sbw_sim_req_t *req, void *ud)
{
    idle_t *s = ud;
    for (int i = 0; i < req->n; i++) {
        cJSON *ev = cJSON_ParseWithLength(req->body + req->off[i], req->len[i]);
        const char *sid = cJSON_GetObjectItem(ev, "sessionId")->valuestring;
        cJSON *p = cJSON_GetObjectItem(s->last, sid);
        if (p) {
            ck_assert_msg(req->event_ms[i] - (int64_t)p->valuedouble <= 30 * 60000,
                          "session %s idle for more than 30 minutes", sid);
            cJSON_SetNumberValue(p, (double)req->event_ms[i]);
        } else {
            cJSON_AddNumberToObject(s->last, sid, (double)req->event_ms[i]);
        }
        cJSON_Delete(ev);
    }
}

START_TEST(sessions_never_idle_30_minutes)
{
    idle_t s = {cJSON_CreateObject()};
    sbw_sim_opts_t o = opts(8, 2, 1000);
    o.p_gap = 0.2;
    run(&o, check_idle, &s);
    cJSON_Delete(s.last);
}
END_TEST

/* ---- carts ---- */

typedef struct {
    const sbw_sim_catalog_t *cat;
    int64_t visit;
    int64_t cart_total;
    int cart_items;
    cJSON *cart; /* product ids in the cart */
    int64_t last_start_total;
    int checkouts, completes;
} cart_t;

static int64_t effective(const cJSON *p)
{
    const cJSON *d = cJSON_GetObjectItem(p, "discountPrice");
    return (int64_t)(cJSON_IsNumber(d) ? d->valuedouble
                                       : cJSON_GetObjectItem(p, "price")->valuedouble);
}

static void check_cart(const sbw_sim_req_t *req, void *ud)
{
    cart_t *c = ud;
    if (req->visit != c->visit) {
        c->visit = req->visit;
        c->cart_total = 0;
        c->cart_items = 0;
        c->last_start_total = -1;
    }
    for (int i = 0; i < req->n; i++) {
        cJSON *ev = cJSON_ParseWithLength(req->body + req->off[i], req->len[i]);
        const char *name = cJSON_GetObjectItem(ev, "eventName")->valuestring;
        const cJSON *p = cJSON_GetObjectItem(ev, "product");
        const cJSON *ds = cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "element"), "dataset");
        if (strcmp(name, "add_to_cart_click") == 0) {
            c->cart_total += effective(p);
            c->cart_items++;
        } else if (strcmp(name, "remove_from_cart_click") == 0) {
            ck_assert(c->cart_items > 0);
            c->cart_total -= effective(p);
            c->cart_items--;
        } else if (strcmp(name, "checkout_start") == 0) {
            char want[32];
            snprintf(want, sizeof want, "%lld", (long long)c->cart_total);
            ck_assert_str_eq(cJSON_GetObjectItem(ds, "total")->valuestring, want);
            snprintf(want, sizeof want, "%d", c->cart_items);
            ck_assert_str_eq(cJSON_GetObjectItem(ds, "itemCount")->valuestring, want);
            ck_assert(c->cart_items > 0);
            c->last_start_total = c->cart_total;
            c->checkouts++;
        } else if (strcmp(name, "checkout_complete") == 0) {
            char want[32];
            snprintf(want, sizeof want, "%lld", (long long)c->last_start_total);
            ck_assert_msg(c->last_start_total > 0, "checkout_complete without checkout_start");
            ck_assert_str_eq(cJSON_GetObjectItem(ds, "total")->valuestring, want);
            c->completes++;
        }
        cJSON_Delete(ev);
    }
}

START_TEST(checkout_totals_are_cart_sums)
{
    cart_t c;
    memset(&c, 0, sizeof c);
    sbw_sim_opts_t o = opts(9, 3, 1500);
    run(&o, check_cart, &c);
    ck_assert(c.checkouts > 20 && c.completes > 10 && c.completes < c.checkouts);
}
END_TEST

/* ---- catalogue and rhythm ---- */

START_TEST(catalogue)
{
    sbw_sim_catalog_t *c = sbw_sim_catalog_new();
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(c->n >= 200 && c->n <= 600, "%zu products", c->n);
    int found = 0, discounted = 0;
    static const int64_t lo[6] = {12000000, 400000, 2500000, 200000, 300000, 100000};
    static const int64_t hi[6] = {60000000, 6000000, 25000000, 3000000, 7000000, 2500000};
    for (size_t i = 0; i < c->n; i++) {
        const sbw_sim_product_t *p = &c->products[i];
        if (strcmp(p->id, "prod_aula_m75_tm") == 0) {
            found = 1;
            ck_assert_str_eq(p->name, "Ban phim AULA M75 TM");
            ck_assert_str_eq(p->url_path, "/product/ban-phim-aula-m75-tm");
            ck_assert_str_eq(p->category, "keyboard");
        }
        ck_assert_msg(p->price >= lo[p->cat_index] - 100000 && p->price <= hi[p->cat_index],
                      "%s %lld", p->id, (long long)p->price);
        ck_assert_int_eq(p->price % 10000, 0);
        if (p->discount_price) {
            discounted++;
            ck_assert(p->discount_price < p->price && p->discount_price > 0);
        }
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(p->id, c->products[j].id) != 0, "duplicate id %s", p->id);
    }
    ck_assert(found);
    /* discountPrice is null for about 60 % */
    ck_assert_msg(discounted * 100 > (int)c->n * 25 && discounted * 100 < (int)c->n * 55,
                  "%d of %zu discounted", discounted, c->n);
    sbw_sim_catalog_free(c);
}
END_TEST

START_TEST(rhythm_evenings_and_weekends)
{
    /* 2026-11-23 is a Monday. 20:00 local = 13:00Z; 03:00 local = 20:00Z the day before. */
    int64_t mon = 1795392000000LL; /* 2026-11-23T00:00:00Z */
    double evening = sbw_sim_rhythm(mon + 13 * 3600000LL);
    double night = sbw_sim_rhythm(mon + 20 * 3600000LL);
    double sunday_evening = sbw_sim_rhythm(mon + 6 * DAY_MS + 13 * 3600000LL);
    ck_assert_msg(evening > 4 * night, "evening %f night %f", evening, night);
    ck_assert(sunday_evening > evening);
    double sum = 0;
    for (int h = 0; h < 7 * 24; h++)
        sum += sbw_sim_rhythm(mon + h * 3600000LL);
    ck_assert_msg(sum / 168 > 0.9 && sum / 168 < 1.1, "weekly mean %f", sum / 168);
}
END_TEST

START_TEST(bad_options_are_named)
{
    char err[256];
    sbw_sim_opts_t o = opts(1, 1, 100);
    o.batch = 0;
    ck_assert_int_eq(sbw_sim_opts_check(&o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--batch"));
    o = opts(1, 1, 100);
    o.funnel[2] = 1.5;
    ck_assert_int_eq(sbw_sim_opts_check(&o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--funnel"));
    o = opts(1, 1, 100);
    o.end_ms = o.start_ms;
    ck_assert_int_eq(sbw_sim_opts_check(&o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--days"));
    o = opts(1, 1, 100);
    o.p_bot = -0.1;
    ck_assert_int_eq(sbw_sim_opts_check(&o, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--bots"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sim_gen");
    TCase *tc = tcase_create("determinism");
    tcase_add_test(tc, same_seed_same_bytes);
    tcase_add_test(tc, uuids_are_v4);
    tcase_add_test(tc, events_exactly_n);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("contract");
    tcase_add_test(tc, payloads_pass_the_contract);
    tcase_add_test(tc, original_payload_shape);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("visits");
    tcase_add_test(tc, funnel_first_visits_and_sessions);
    tcase_add_test(tc, sessions_never_idle_30_minutes);
    tcase_add_test(tc, checkout_totals_are_cart_sums);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    tc = tcase_create("catalogue");
    tcase_add_test(tc, catalogue);
    tcase_add_test(tc, rhythm_evenings_and_weekends);
    tcase_add_test(tc, bad_options_are_named);
    suite_add_tcase(s, tc);
    return sbw_test_run(s);
}
