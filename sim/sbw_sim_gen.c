/* sbw_sim_gen: visits, sessions and the funnel rendered as storefront payloads. */
#include "sbw_sim_gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_buf.h"
#include "sbw_sim_rng.h"
#include "sbw_time.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
#define TZ_OFFSET_MS (7 * HOUR_MS) /* Asia/Ho_Chi_Minh, no daylight saving */
#define SESSION_IDLE_MS (30 * 60 * 1000LL)
#define VISIT_EVENTS_MAX 400 /* a visit stops growing here */
#define CART_MAX 8
#define POOL_TRIES 4

static const char *const BROWSER_UA[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 13; 23021RAA2Y) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
};
/* Cumulative shares of BROWSER_UA. */
static const double BROWSER_CUM[] = {0.34, 0.58, 0.76, 0.84, 0.91, 0.97, 1.0};

static const char *const BOT_UA[] = {
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.31.0",
    "curl/8.5.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
};

static const char *const REFERRERS[] = {NULL, "https://www.google.com/",
                                        "https://www.facebook.com/", "https://coccoc.com/",
                                        "https://www.tiktok.com/"};
static const double REFERRER_CUM[] = {0.40, 0.75, 0.87, 0.92, 1.0};

/* Hour-of-day traffic in local time (UTC+7): quiet nights, a lunch bump, busy evenings. */
static const double DAILY[24] = {0.45, 0.25, 0.15, 0.10, 0.10, 0.15, 0.30, 0.55,
                                 0.80, 0.95, 1.00, 1.05, 1.20, 1.10, 0.95, 0.95,
                                 1.00, 1.10, 1.30, 1.65, 1.85, 1.80, 1.45, 0.85};
/* Day-of-week factor, Monday first. */
static const double WEEKLY[7] = {0.95, 0.92, 0.93, 0.95, 1.00, 1.12, 1.13};

typedef struct {
    char id[37];
    char user_id[20]; /* "" without an account */
    char ip[48];
    int ua;   /* index into BROWSER_UA */
    int seen; /* has sent an event (isFirstVisit is false from then on) */
    int64_t busy_until;
} client_t;

typedef struct {
    int64_t t;  /* event time */
    size_t off; /* span in vbuf */
    size_t len;
} vev_t;

struct sbw_sim_gen {
    sbw_sim_opts_t o;
    sbw_sim_catalog_t *cat;
    double cat_weight[SBW_SIM_NCATEGORIES];
    sbw_sim_rng_t rng;
    /* visit start times, planned hour by hour */
    int64_t hour0;
    int64_t nhours, hour_i;
    double *weights;
    double wsum, carry;
    int64_t *starts;
    int64_t nstarts, start_i, starts_cap;
    /* clients */
    client_t *clients;
    size_t nclients, ccap;
    /* the current visit's events */
    sbw_buf_t vbuf;
    char **pjson;                     /* per product: ,"product":{...} */
    char *cjson[SBW_SIM_NCATEGORIES]; /* per category: ,"product":{"category":..,"id":..} */
    int dry;                          /* sizing pass: count events, render nothing */
    vev_t ev[VISIT_EVENTS_MAX];
    int nev, ev_i;
    const char *visit_ua;
    const char *visit_ip;
    const char *visit_client;
    int visit_bot;
    char bot_ip[48];
    char bot_client[37];
    /* request rendering */
    sbw_buf_t rbuf;
    int64_t produced;
    int64_t visits_made;
    int64_t order_seq;
    int done;
};

/* ---- options ---- */

void sbw_sim_opts_init(sbw_sim_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->payload = SBW_SIM_PAYLOAD_ORIGINAL;
    o->batch = 50;
    o->flush_ms = 5000;
    o->site = "https://shop.example";
    o->p_returning = 0.35;
    o->p_account = 0.35;
    o->p_bot = 0.03;
    o->p_gap = 0.04;
    o->p_fallback_id = 0.02;
    static const double f[SBW_SIM_NSTEPS] = {0.70, 0.75, 0.28, 0.55, 0.70};
    memcpy(o->funnel, f, sizeof f);
}

static int bad(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

int sbw_sim_opts_check(const sbw_sim_opts_t *o, char *err, size_t errlen)
{
    if (o->end_ms <= o->start_ms)
        return bad(err, errlen, "--days/--end: the time range is empty");
    if (!(o->visits > 0) || o->visits > 1e9)
        return bad(err, errlen, "--visits-per-day/--events: no visits to simulate");
    if (o->batch < 1 || o->batch > SBW_SIM_BATCH_MAX)
        return bad(err, errlen, "--batch: must be 1..500");
    if (o->flush_ms < 0)
        return bad(err, errlen, "--flush-ms: must be >= 0");
    if (!o->site || strncmp(o->site, "http", 4) != 0 || strlen(o->site) > 200 ||
        strpbrk(o->site, "\"\\ "))
        return bad(err, errlen, "--site: must be an http(s) origin without quotes or spaces");
    const double *p[] = {&o->p_returning, &o->p_account, &o->p_bot, &o->p_gap, &o->p_fallback_id};
    const char *names[] = {"--returning", "--accounts", "--bots", "--gaps", "--fallback-ids"};
    for (int i = 0; i < 5; i++)
        if (!(*p[i] >= 0 && *p[i] <= 1)) {
            snprintf(err, errlen, "%s: must be a share from 0 to 1", names[i]);
            return -1;
        }
    for (int i = 0; i < SBW_SIM_NSTEPS; i++)
        if (!(o->funnel[i] > 0 && o->funnel[i] < 1))
            return bad(err, errlen, "--funnel: five rates, each above 0 and below 1");
    return 0;
}

/* ---- rhythm ---- */

double sbw_sim_rhythm(int64_t ms)
{
    int64_t local = ms + TZ_OFFSET_MS;
    int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
    int hour = (int)((local - day * DAY_MS) / HOUR_MS);
    int dow = (int)(((day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday (index 3) */
    return DAILY[hour] * WEEKLY[dow] / 0.866;
}

/* Day-to-day noise, from the seed and the local day number only (so a shorter or longer range
 * sees the same days the same way). */
static double day_noise(uint64_t seed, int64_t ms)
{
    int64_t local = ms + TZ_OFFSET_MS;
    int64_t day = local >= 0 ? local / DAY_MS : (local - DAY_MS + 1) / DAY_MS;
    sbw_sim_rng_t r;
    sbw_sim_rng_seed(&r, seed, 1000003ULL + (uint64_t)day);
    return 0.85 + 0.3 * sbw_sim_rng_unit(&r);
}

/* ---- new / free ---- */

static int render_products(sbw_sim_gen_t *g);

int sbw_sim_gen_new(const sbw_sim_opts_t *opts, sbw_sim_gen_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (sbw_sim_opts_check(opts, err, errlen) != 0)
        return -1;
    sbw_sim_gen_t *g = calloc(1, sizeof *g);
    if (!g)
        return bad(err, errlen, "out of memory");
    g->o = *opts;
    g->cat = sbw_sim_catalog_new();
    sbw_buf_init(&g->vbuf, 0);
    sbw_buf_init(&g->rbuf, 0);
    g->hour0 = opts->start_ms - ((opts->start_ms % HOUR_MS) + HOUR_MS) % HOUR_MS;
    g->nhours = (opts->end_ms - g->hour0 + HOUR_MS - 1) / HOUR_MS;
    g->weights = calloc((size_t)g->nhours, sizeof *g->weights);
    if (!g->cat || !g->weights) {
        sbw_sim_gen_free(g);
        return bad(err, errlen, "out of memory");
    }
    for (int64_t h = 0; h < g->nhours; h++) {
        int64_t a = g->hour0 + h * HOUR_MS, b = a + HOUR_MS;
        int64_t lo = a > opts->start_ms ? a : opts->start_ms;
        int64_t hi = b < opts->end_ms ? b : opts->end_ms;
        double frac = hi > lo ? (double)(hi - lo) / (double)HOUR_MS : 0;
        g->weights[h] = frac * sbw_sim_rhythm(a) * day_noise(opts->seed, a);
        g->wsum += g->weights[h];
    }
    for (int c = 0; c < SBW_SIM_NCATEGORIES; c++)
        g->cat_weight[c] = (double)g->cat->by_cat_count[c];
    if (render_products(g) != 0) {
        sbw_sim_gen_free(g);
        return bad(err, errlen, "out of memory");
    }
    sbw_sim_rng_seed(&g->rng, opts->seed, 1);
    g->order_seq = 100000 + (int64_t)(opts->seed % 100000) * 7;
    *out = g;
    return 0;
}

void sbw_sim_gen_free(sbw_sim_gen_t *g)
{
    if (!g)
        return;
    for (size_t i = 0; g->pjson && i < g->cat->n; i++)
        free(g->pjson[i]);
    free(g->pjson);
    for (int c = 0; c < SBW_SIM_NCATEGORIES; c++)
        free(g->cjson[c]);
    sbw_sim_catalog_free(g->cat);
    free(g->weights);
    free(g->starts);
    free(g->clients);
    sbw_buf_cleanup(&g->vbuf);
    sbw_buf_cleanup(&g->rbuf);
    free(g);
}

int64_t sbw_sim_gen_events(const sbw_sim_gen_t *g)
{
    return g->produced;
}

const sbw_sim_catalog_t *sbw_sim_gen_catalog(const sbw_sim_gen_t *g)
{
    return g->cat;
}

/* ---- picking ---- */

static int pick_cum(sbw_sim_rng_t *r, const double *cum, int n)
{
    double u = sbw_sim_rng_unit(r);
    for (int i = 0; i < n; i++)
        if (u < cum[i])
            return i;
    return n - 1;
}

static int pick_category(sbw_sim_gen_t *g)
{
    double sum = 0;
    for (int c = 0; c < SBW_SIM_NCATEGORIES; c++)
        sum += g->cat_weight[c];
    double u = sbw_sim_rng_unit(&g->rng) * sum;
    for (int c = 0; c < SBW_SIM_NCATEGORIES; c++) {
        if (u < g->cat_weight[c])
            return c;
        u -= g->cat_weight[c];
    }
    return SBW_SIM_NCATEGORIES - 1;
}

/* A product of category cat, popular ones more often. */
static const sbw_sim_product_t *pick_product(sbw_sim_gen_t *g, int cat)
{
    const sbw_sim_product_t *p = g->cat->products + g->cat->by_cat_start[cat];
    size_t n = g->cat->by_cat_count[cat];
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i].popularity;
    double u = sbw_sim_rng_unit(&g->rng) * sum;
    for (size_t i = 0; i < n; i++) {
        if (u < p[i].popularity)
            return &p[i];
        u -= p[i].popularity;
    }
    return &p[n - 1];
}

static void random_ip(sbw_sim_rng_t *r, char *out, size_t outlen)
{
    static const int first[] = {14, 27, 42, 113, 115, 116, 117, 118, 171, 183};
    if (sbw_sim_rng_chance(r, 0.08)) {
        snprintf(out, outlen, "2402:800:%x:%x::%x", (unsigned)sbw_sim_rng_range(r, 0, 0xffff),
                 (unsigned)sbw_sim_rng_range(r, 0, 0xffff),
                 (unsigned)sbw_sim_rng_range(r, 1, 0xffff));
        return;
    }
    snprintf(out, outlen, "%d.%d.%d.%d", first[sbw_sim_rng_range(r, 0, 9)],
             (int)sbw_sim_rng_range(r, 0, 255), (int)sbw_sim_rng_range(r, 0, 255),
             (int)sbw_sim_rng_range(r, 1, 254));
}

static client_t *new_client(sbw_sim_gen_t *g)
{
    if (g->nclients == g->ccap) {
        size_t ncap = g->ccap ? g->ccap * 2 : 1024;
        client_t *nc = realloc(g->clients, ncap * sizeof *nc);
        if (!nc)
            return NULL;
        g->clients = nc;
        g->ccap = ncap;
    }
    client_t *c = &g->clients[g->nclients++];
    memset(c, 0, sizeof *c);
    sbw_sim_rng_uuid(&g->rng, c->id);
    if (sbw_sim_rng_chance(&g->rng, g->o.p_account)) {
        static const char A[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        memcpy(c->user_id, "user_2", 6);
        for (int i = 0; i < 10; i++)
            c->user_id[6 + i] = A[sbw_sim_rng_range(&g->rng, 0, 61)];
        c->user_id[16] = '\0';
    }
    c->ua = pick_cum(&g->rng, BROWSER_CUM, (int)(sizeof BROWSER_CUM / sizeof *BROWSER_CUM));
    random_ip(&g->rng, c->ip, sizeof c->ip);
    return c;
}

/* ---- rendering one visit ---- */

typedef struct {
    client_t *c; /* NULL for a bot */
    char bot_client[37];
    int bot_first;
    int64_t t;
    char session[37];
    const char *login; /* "anonymous", "logged_in", "guest" */
    const char *user_id;
    char page[320];
    char referrer[320]; /* "" = null */
    const sbw_sim_product_t *cart[CART_MAX];
    int ncart;
    int stop; /* the visit ran past the end of the range or grew too long */
} visit_t;

enum { PRODUCT_NONE = 0, PRODUCT_FULL, PRODUCT_CATEGORY };

static int append(sbw_sim_gen_t *g, const char *s)
{
    return sbw_buf_append_str(&g->vbuf, s);
}

/* Appends the NULL-terminated list of strings to b. Returns 0 or -1 (buffer cap, memory). */
static int cat(sbw_buf_t *b, ...)
{
    va_list ap;
    va_start(ap, b);
    int rc = 0;
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        rc |= sbw_buf_append(b, s, strlen(s));
    va_end(ap);
    return rc;
}

/* Renders ,"product":{...} of every product and ,"product":{"category":..,"id":..} of every
 * category once. Returns 0 or -1 when out of memory. */
static int render_products(sbw_sim_gen_t *g)
{
    g->pjson = calloc(g->cat->n, sizeof *g->pjson);
    if (!g->pjson)
        return -1;
    char buf[1024];
    for (size_t i = 0; i < g->cat->n; i++) {
        const sbw_sim_product_t *p = &g->cat->products[i];
        char disc[32] = "null";
        if (p->discount_price > 0)
            snprintf(disc, sizeof disc, "%lld", (long long)p->discount_price);
        snprintf(buf, sizeof buf,
                 ",\"product\":{\"id\":\"%s\",\"name\":\"%s\",\"category\":\"%s\",\"brand\":\"%s\","
                 "\"price\":%lld,\"discountPrice\":%s,\"urlPath\":\"%s\"}",
                 p->id, p->name, p->category, p->brand, (long long)p->price, disc, p->url_path);
        if (!(g->pjson[i] = strdup(buf)))
            return -1;
    }
    for (int c = 0; c < SBW_SIM_NCATEGORIES; c++) {
        snprintf(buf, sizeof buf, ",\"product\":{\"category\":\"%s\",\"id\":\"%s\"}",
                 sbw_sim_categories[c].slug, sbw_sim_categories[c].slug);
        if (!(g->cjson[c] = strdup(buf)))
            return -1;
    }
    return 0;
}

/* Appends one event of the current visit at time v->t. element_json: the rendered element
 * object or NULL. */
static int emit(sbw_sim_gen_t *g, visit_t *v, const char *name, int pmode,
                const sbw_sim_product_t *p, int cat_i, const char *element_json)
{
    if (v->stop)
        return 0;
    if (v->t >= g->o.end_ms || g->nev >= VISIT_EVENTS_MAX) {
        v->stop = 1;
        return 0;
    }
    int rc = 0;
    size_t off = g->vbuf.len;
    sbw_buf_t *b = &g->vbuf;
    char id[40];
    if (sbw_sim_rng_chance(&g->rng, g->o.p_fallback_id)) {
        char hex[9];
        sbw_sim_rng_hex(&g->rng, 8, hex);
        snprintf(id, sizeof id, "%lld-%s", (long long)v->t, hex);
    } else {
        sbw_sim_rng_uuid(&g->rng, id);
    }
    int first;
    const char *cid;
    if (v->c) {
        first = !v->c->seen;
        v->c->seen = 1;
        cid = v->c->id;
    } else {
        first = v->bot_first;
        v->bot_first = 0;
        cid = v->bot_client;
    }
    if (g->dry)
        goto record; /* sizing pass: the same random draws, no text */
    rc |= cat(b, "{\"eventName\":\"", name, "\",\"eventId\":\"", id, "\"", (char *)NULL);
    if (g->o.payload == SBW_SIM_PAYLOAD_TRACKER) {
        char iso[SBW_TIME_ISO_SIZE];
        sbw_time_format_iso(v->t, iso, sizeof iso);
        rc |= cat(b, ",\"eventTimestamp\":\"", iso, "\"", (char *)NULL);
    }
    rc |= cat(b, ",\"pageUrl\":\"", v->page, "\",\"referrer\":", (char *)NULL);
    rc |= v->referrer[0] ? cat(b, "\"", v->referrer, "\"", (char *)NULL) : append(g, "null");
    rc |= append(g, ",\"userId\":");
    rc |= v->user_id ? cat(b, "\"", v->user_id, "\"", (char *)NULL) : append(g, "null");
    rc |=
        cat(b, ",\"userLoginState\":\"", v->login, "\",\"clientId\":\"", cid, "\",\"sessionId\":\"",
            v->session, "\",\"isFirstVisit\":", first ? "true" : "false", (char *)NULL);
    if (pmode == PRODUCT_FULL)
        rc |= append(g, g->pjson[p - g->cat->products]);
    else if (pmode == PRODUCT_CATEGORY)
        rc |= append(g, g->cjson[cat_i]);
    if (element_json)
        rc |= cat(b, ",\"element\":", element_json, (char *)NULL);
    rc |= append(g, "}");
record:
    if (rc)
        return -1;
    g->ev[g->nev].t = v->t;
    g->ev[g->nev].off = off;
    g->ev[g->nev].len = g->vbuf.len - off;
    g->nev++;
    return 0;
}

/* dst = a + b, cut to cap - 1 bytes (snprintf without the formatting cost). */
static void concat(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > cap - 1)
        la = cap - 1;
    if (lb > cap - 1 - la)
        lb = cap - 1 - la;
    memmove(dst, a, la);
    memmove(dst + la, b, lb);
    dst[la + lb] = '\0';
}

/* Time passes between two actions: a short think, or on a new page a read. */
static void dwell(sbw_sim_gen_t *g, visit_t *v, double mean_s)
{
    v->t += 400 + (int64_t)(sbw_sim_rng_exp(&g->rng, mean_s) * 1000.0);
}

/* Navigates to url: maybe an idle gap (a new session after more than 30 minutes), then
 * page_view. */
static int go(sbw_sim_gen_t *g, visit_t *v, const char *url, int first_page)
{
    if (!first_page) {
        concat(v->referrer, sizeof v->referrer, v->page, "");
        if (sbw_sim_rng_chance(&g->rng, g->o.p_gap)) {
            v->t += SESSION_IDLE_MS + 60000 + (int64_t)sbw_sim_rng_range(&g->rng, 0, 90 * 60000);
            sbw_sim_rng_uuid(&g->rng, v->session);
        }
    }
    concat(v->page, sizeof v->page, g->o.site, url);
    return emit(g, v, "page_view", PRODUCT_NONE, NULL, 0, NULL);
}

static int view_home(sbw_sim_gen_t *g, visit_t *v, int first_page)
{
    if (go(g, v, "/", first_page) != 0)
        return -1;
    v->t += 30;
    return emit(g, v, "home_view", PRODUCT_NONE, NULL, 0, NULL);
}

static int view_category(sbw_sim_gen_t *g, visit_t *v, int cat, int first_page)
{
    char url[64];
    concat(url, sizeof url, "/category/", sbw_sim_categories[cat].slug);
    if (go(g, v, url, first_page) != 0)
        return -1;
    v->t += 30;
    return emit(g, v, "category_view", PRODUCT_CATEGORY, NULL, cat, NULL);
}

static int view_product(sbw_sim_gen_t *g, visit_t *v, const sbw_sim_product_t *p, int first_page)
{
    if (go(g, v, p->url_path, first_page) != 0)
        return -1;
    v->t += 30;
    return emit(g, v, "product_view", PRODUCT_FULL, p, 0, NULL);
}

/* A click on a navigation link or a product card before the next page (60 % of the time). */
static int click_link(sbw_sim_gen_t *g, visit_t *v, const char *id, const char *text,
                      const char *key, const char *val)
{
    if (!sbw_sim_rng_chance(&g->rng, 0.6))
        return 0;
    char el[512];
    snprintf(el, sizeof el,
             "{\"tag\":\"a\",\"id\":\"%s\",\"role\":\"link\",\"text\":\"%s\",\"dataset\":{\"%s\":"
             "\"%s\"}}",
             id, text, key, val);
    return emit(g, v, "click", PRODUCT_NONE, NULL, 0, el);
}

static int64_t cart_total(const visit_t *v)
{
    int64_t t = 0;
    for (int i = 0; i < v->ncart; i++)
        t += sbw_sim_product_effective_price(v->cart[i]);
    return t;
}

static int add_to_cart(sbw_sim_gen_t *g, visit_t *v, const sbw_sim_product_t *p)
{
    char el[256];
    snprintf(el, sizeof el,
             "{\"tag\":\"button\",\"id\":\"add-to-cart\",\"role\":\"button\",\"text\":\"Thêm vào "
             "giỏ\",\"dataset\":{\"productId\":\"%s\"}}",
             p->id);
    dwell(g, v, 20);
    if (emit(g, v, "add_to_cart_click", PRODUCT_FULL, p, 0, el) != 0)
        return -1;
    if (!v->stop && v->ncart < CART_MAX)
        v->cart[v->ncart++] = p;
    return 0;
}

/* A shopper's visit. */
static int shopper_visit(sbw_sim_gen_t *g, visit_t *v)
{
    sbw_sim_rng_t *r = &g->rng;
    const double *f = g->o.funnel;
    double land = sbw_sim_rng_unit(r);
    int cat = pick_category(g);
    const sbw_sim_product_t *p = NULL;
    int rc = 0, views = 0;

    if (land < 0.80) {
        rc |= view_home(g, v, 1);
        dwell(g, v, 15);
        if (!sbw_sim_rng_chance(r, f[0])) {
            if (sbw_sim_rng_chance(r, 0.3)) /* a look at a banner, then gone */
                rc |= click_link(g, v, "hero-banner", "Khuyen mai", "campaign", "sale");
            return rc;
        }
        char id[48];
        snprintf(id, sizeof id, "nav-%s", sbw_sim_categories[cat].slug);
        rc |= click_link(g, v, id, sbw_sim_categories[cat].label, "category",
                         sbw_sim_categories[cat].slug);
        dwell(g, v, 1);
        rc |= view_category(g, v, cat, 0);
    } else if (land < 0.92) {
        rc |= view_category(g, v, cat, 1);
    } else {
        p = pick_product(g, cat);
        rc |= view_product(g, v, p, 1);
        goto on_product;
    }

    /* On a category page: open a product, or leave. */
    dwell(g, v, 25);
    if (!sbw_sim_rng_chance(r, f[1]))
        return rc;
    for (;; views++) {
        p = pick_product(g, cat);
        rc |= click_link(g, v, "product-card", p->name, "productId", p->id);
        dwell(g, v, 1);
        rc |= view_product(g, v, p, 0);
    on_product:
        dwell(g, v, 35);
        if (sbw_sim_rng_chance(r, 0.08)) {
            char el[256];
            snprintf(el, sizeof el,
                     "{\"tag\":\"button\",\"id\":\"wishlist\",\"role\":\"button\",\"text\":\"♡\","
                     "\"dataset\":{\"productId\":\"%s\",\"state\":\"%s\"}}",
                     p->id, sbw_sim_rng_chance(r, 0.85) ? "on" : "off");
            rc |= emit(g, v, "wishlist_toggle", PRODUCT_FULL, p, 0, el);
            dwell(g, v, 3);
        }
        if (sbw_sim_rng_chance(r, f[2])) {
            rc |= add_to_cart(g, v, p);
            if (sbw_sim_rng_chance(r, 0.25) && views < 6 && !v->stop) {
                /* Keep shopping: back to a category, maybe another one. */
                if (sbw_sim_rng_chance(r, 0.5))
                    cat = pick_category(g);
                dwell(g, v, 5);
                rc |= view_category(g, v, cat, 0);
                dwell(g, v, 20);
                continue;
            }
            break;
        }
        if (views >= 6 || !sbw_sim_rng_chance(r, 0.45) || v->stop)
            return rc; /* leaves without buying */
        dwell(g, v, 4);
        rc |= view_category(g, v, cat, 0);
        dwell(g, v, 15);
    }

    /* The cart. */
    if (v->ncart == 0 || v->stop)
        return rc;
    dwell(g, v, 5);
    rc |= go(g, v, "/cart", 0);
    dwell(g, v, 20);
    if (sbw_sim_rng_chance(r, 0.15)) {
        int i = (int)sbw_sim_rng_range(r, 0, v->ncart - 1);
        const sbw_sim_product_t *gone = v->cart[i];
        char el[256];
        snprintf(el, sizeof el,
                 "{\"tag\":\"button\",\"id\":\"\",\"role\":\"button\",\"text\":\"Xóa\","
                 "\"dataset\":{\"productId\":\"%s\"}}",
                 gone->id);
        rc |= emit(g, v, "remove_from_cart_click", PRODUCT_FULL, gone, 0, el);
        if (!v->stop) {
            v->cart[i] = v->cart[--v->ncart];
        }
        dwell(g, v, 8);
        if (v->ncart == 0)
            return rc;
    }
    if (!sbw_sim_rng_chance(r, f[3]) || v->stop)
        return rc;
    if (!v->user_id)
        v->login = "guest";
    char cart_id[16], hex[9], el[512];
    sbw_sim_rng_hex(r, 6, hex);
    snprintf(cart_id, sizeof cart_id, "cart_%s", hex);
    int64_t total = cart_total(v);
    snprintf(el, sizeof el,
             "{\"tag\":\"button\",\"id\":\"checkout\",\"role\":\"button\",\"text\":\"Thanh toán\","
             "\"dataset\":{\"cartId\":\"%s\",\"total\":\"%lld\",\"itemCount\":\"%d\"}}",
             cart_id, (long long)total, v->ncart);
    rc |= emit(g, v, "checkout_start", PRODUCT_NONE, NULL, 0, el);
    dwell(g, v, 3);
    rc |= go(g, v, "/checkout", 0);
    dwell(g, v, 60);
    if (!sbw_sim_rng_chance(r, f[4]) || v->stop)
        return rc;
    rc |= go(g, v, "/checkout/success", 0);
    char order_id[16];
    static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    memcpy(order_id, "ord_01", 6);
    for (int i = 0; i < 6; i++)
        order_id[6 + i] = B32[sbw_sim_rng_range(r, 0, 31)];
    order_id[12] = '\0';
    snprintf(el, sizeof el,
             "{\"tag\":\"form\",\"id\":\"checkout-form\",\"role\":\"form\",\"text\":\"\","
             "\"dataset\":{\"orderId\":\"%s\",\"orderNumber\":\"SBW-%lld\",\"total\":\"%lld\"}}",
             order_id, (long long)g->order_seq++, (long long)total);
    v->t += 200;
    rc |= emit(g, v, "checkout_complete", PRODUCT_NONE, NULL, 0, el);
    return rc;
}

/* A crawler: pages only, quickly, no cart. */
static int bot_visit(sbw_sim_gen_t *g, visit_t *v)
{
    int pages = (int)sbw_sim_rng_range(&g->rng, 3, 15), rc = 0;
    for (int i = 0; i < pages && !v->stop; i++) {
        double u = sbw_sim_rng_unit(&g->rng);
        int cat = pick_category(g);
        if (u < 0.2)
            rc |= view_home(g, v, i == 0);
        else if (u < 0.45)
            rc |= view_category(g, v, cat, i == 0);
        else
            rc |= view_product(g, v, pick_product(g, cat), i == 0);
        v->t += 500 + sbw_sim_rng_range(&g->rng, 0, 4000);
    }
    return rc;
}

/* ---- visit planning ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Fills starts[] with the next hour's visit start times. Returns 1, 0 when the range is over,
 * -1 when out of memory. */
static int plan_hour(sbw_sim_gen_t *g)
{
    while (g->hour_i < g->nhours) {
        int64_t h = g->hour_i++;
        double expect = g->o.visits * g->weights[h] / g->wsum + g->carry;
        int64_t k = (int64_t)expect;
        g->carry = expect - (double)k;
        if (k <= 0)
            continue;
        if (k > g->starts_cap) {
            int64_t *ns = realloc(g->starts, (size_t)k * sizeof *ns);
            if (!ns)
                return -1;
            g->starts = ns;
            g->starts_cap = k;
        }
        int64_t a = g->hour0 + h * HOUR_MS, b = a + HOUR_MS;
        if (a < g->o.start_ms)
            a = g->o.start_ms;
        if (b > g->o.end_ms)
            b = g->o.end_ms;
        for (int64_t i = 0; i < k; i++)
            g->starts[i] = sbw_sim_rng_range(&g->rng, a, b - 1);
        qsort(g->starts, (size_t)k, sizeof *g->starts, cmp_i64);
        g->nstarts = k;
        g->start_i = 0;
        return 1;
    }
    return 0;
}

/* Generates the next visit into ev[]. Returns 1, 0 at the end, -1 out of memory. */
static int next_visit(sbw_sim_gen_t *g)
{
    for (;;) {
        if (g->start_i >= g->nstarts) {
            int rc = plan_hour(g);
            if (rc <= 0)
                return rc;
        }
        int64_t start = g->starts[g->start_i++];
        sbw_buf_reset(&g->vbuf);
        g->nev = 0;
        g->ev_i = 0;
        visit_t v;
        memset(&v, 0, sizeof v);
        v.t = start;
        v.login = "anonymous";
        sbw_sim_rng_uuid(&g->rng, v.session);
        int rc;
        if (sbw_sim_rng_chance(&g->rng, g->o.p_bot)) {
            sbw_sim_rng_uuid(&g->rng, v.bot_client);
            v.bot_first = 1;
            g->visit_ua = BOT_UA[sbw_sim_rng_range(&g->rng, 0,
                                                   (int64_t)(sizeof BOT_UA / sizeof *BOT_UA) - 1)];
            random_ip(&g->rng, g->bot_ip, sizeof g->bot_ip);
            g->visit_ip = g->bot_ip;
            memcpy(g->bot_client, v.bot_client, sizeof g->bot_client);
            g->visit_client = g->bot_client;
            g->visit_bot = 1;
            rc = bot_visit(g, &v);
        } else {
            client_t *c = NULL;
            if (g->nclients > 0 && sbw_sim_rng_chance(&g->rng, g->o.p_returning)) {
                for (int i = 0; i < POOL_TRIES && !c; i++) {
                    client_t *x =
                        &g->clients[sbw_sim_rng_range(&g->rng, 0, (int64_t)g->nclients - 1)];
                    if (x->busy_until < start)
                        c = x;
                }
            }
            if (!c && !(c = new_client(g)))
                return -1;
            v.c = c;
            if (c->user_id[0] && sbw_sim_rng_chance(&g->rng, 0.75)) {
                v.login = "logged_in";
                v.user_id = c->user_id;
            }
            g->visit_ua = BROWSER_UA[c->ua];
            g->visit_ip = c->ip;
            g->visit_client = c->id;
            g->visit_bot = 0;
            const char *ref = REFERRERS[pick_cum(&g->rng, REFERRER_CUM, 5)];
            concat(v.referrer, sizeof v.referrer, ref ? ref : "", "");
            rc = shopper_visit(g, &v);
            c->busy_until = v.t;
        }
        if (rc != 0)
            return -1;
        if (g->nev > 0) {
            g->visits_made++;
            return 1;
        }
    }
}

/* ---- requests ---- */

static int64_t latency(sbw_sim_gen_t *g)
{
    return 25 + sbw_sim_rng_range(&g->rng, 0, 250);
}

int sbw_sim_gen_next(sbw_sim_gen_t *g, sbw_sim_req_t *req)
{
    for (;;) {
        if (g->done)
            return 0;
        if (g->o.max_events > 0 && g->produced >= g->o.max_events) {
            g->done = 1;
            return 0;
        }
        if (g->ev_i >= g->nev) {
            int rc = next_visit(g);
            if (rc <= 0) {
                g->done = 1;
                return rc;
            }
        }
        /* Take up to batch events of the visit (one in original mode). */
        int max = g->o.payload == SBW_SIM_PAYLOAD_TRACKER ? g->o.batch : 1;
        if (g->o.max_events > 0 && g->produced + max > g->o.max_events)
            max = (int)(g->o.max_events - g->produced);
        int first = g->ev_i, n = 1;
        while (n < max && first + n < g->nev &&
               g->ev[first + n].t - g->ev[first].t <= g->o.flush_ms)
            n++;
        g->ev_i += n;
        int64_t last_t = g->ev[first + n - 1].t;
        int64_t sent = last_t;
        if (g->o.payload == SBW_SIM_PAYLOAD_TRACKER)
            sent += 100 + sbw_sim_rng_range(&g->rng, 0, 900); /* the flush timer */
        req->received_ms = sent + latency(g);
        if (req->received_ms >= g->o.end_ms)
            continue; /* would arrive after the end of the range */
        char hex[17];
        sbw_sim_rng_hex(&g->rng, 16, hex);
        concat(req->request_id, sizeof req->request_id, "sim-", hex);
        req->user_agent = g->visit_ua;
        req->source_ip = g->visit_ip;
        req->client_id = g->visit_client;
        req->is_bot = g->visit_bot;
        req->visit = g->visits_made;
        req->n = n;
        if (g->dry) {
            g->produced += n;
            return 1;
        }
        sbw_buf_reset(&g->rbuf);
        int rc = 0;
        char sent_iso[SBW_TIME_ISO_SIZE] = "";
        if (g->o.payload == SBW_SIM_PAYLOAD_TRACKER)
            sbw_time_format_iso(sent, sent_iso, sizeof sent_iso);
        if (n > 1)
            rc |= sbw_buf_append(&g->rbuf, "[", 1);
        for (int i = 0; i < n; i++) {
            const vev_t *e = &g->ev[first + i];
            const char *src = g->vbuf.data + e->off;
            if (i > 0)
                rc |= sbw_buf_append(&g->rbuf, ",", 1);
            req->off[i] = g->rbuf.len;
            if (g->o.payload == SBW_SIM_PAYLOAD_TRACKER) {
                rc |= sbw_buf_append(&g->rbuf, src, e->len - 1);
                rc |= sbw_buf_printf(&g->rbuf, ",\"sentAt\":\"%s\"}", sent_iso);
            } else {
                rc |= sbw_buf_append(&g->rbuf, src, e->len);
            }
            req->len[i] = g->rbuf.len - req->off[i];
            req->event_ms[i] = e->t;
        }
        if (n > 1)
            rc |= sbw_buf_append(&g->rbuf, "]", 1);
        if (rc)
            return -1;
        req->body = g->rbuf.data;
        req->body_len = g->rbuf.len;
        g->produced += n;
        return 1;
    }
}

/* Events a full run of o would produce, counted without rendering; -1 on error. */
static int64_t dry_count(const sbw_sim_opts_t *o)
{
    sbw_sim_gen_t *g = NULL;
    char err[256];
    if (sbw_sim_gen_new(o, &g, err, sizeof err) != 0)
        return -1;
    g->dry = 1;
    sbw_sim_req_t *req = malloc(sizeof *req);
    int rc = req ? 0 : -1;
    while (rc == 0 && (rc = sbw_sim_gen_next(g, req)) == 1)
        rc = 0;
    int64_t n = rc == 0 ? g->produced : -1;
    free(req);
    sbw_sim_gen_free(g);
    return n;
}

double sbw_sim_visits_for_events(const sbw_sim_opts_t *opts, int64_t events)
{
    sbw_sim_opts_t o = *opts;
    o.max_events = 0;
    /* A smaller or larger plan changes every visit (one random stream), so the count moves
     * around its expectation (by ~0.5 % for a million events, more for small runs): aim 1 %
     * high and accept up to 2.5 % (or 300 events) high; else keep the closest plan that is
     * enough. */
    double v = (double)events / 12.0 + 1, best = -1;
    int64_t best_t = 0;
    double slack = (double)events * 0.025 > 300 ? (double)events * 0.025 : 300;
    for (int i = 0; i < 40; i++) {
        o.visits = v;
        int64_t t = dry_count(&o);
        if (t < 0)
            return -1;
        if (t >= events && (best < 0 || t < best_t)) {
            best = v;
            best_t = t;
        }
        if (best > 0 && ((double)best_t <= (double)events + slack || i >= 9))
            return best;
        double scale = t > 0 ? (double)events / (double)t : 4.0;
        v = v * scale * (i < 9 ? 1.01 : 1.1) + 1;
    }
    return best;
}
