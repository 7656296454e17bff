/* sbw_sim_gen: the shopper simulator's pure core. Turns options and a seed into a stream of
 * HTTP requests exactly as the storefront would send them: visits of new and returning
 * clients over a time range (daily and weekly rhythm, Asia/Ho_Chi_Minh), sessions split by
 * idle gaps over 30 minutes, the funnel home_view -> category_view -> product_view ->
 * add_to_cart_click -> checkout_start -> checkout_complete with drop-off at each step, clicks,
 * wishlist toggles, cart removals and bots.
 *
 * Deterministic: the same options (seed, range, sizes, rates) give byte-identical requests.
 * No I/O, no clock, no environment. Requests come out in the order of their visits' start
 * times; events of one visit are consecutive.
 *
 * Ownership: the generator owns everything; a request filled by sbw_sim_gen_next borrows the
 * generator's buffers and stays valid until the next call or sbw_sim_gen_free. */
#ifndef SBW_SIM_GEN_H
#define SBW_SIM_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "sbw_sim_catalog.h"

#define SBW_SIM_BATCH_MAX 500 /* events in one request (the ingest's max_events) */
#define SBW_SIM_NSTEPS 5      /* funnel continuation rates */

typedef enum {
    SBW_SIM_PAYLOAD_ORIGINAL = 0, /* the original storefront: one object per request */
    SBW_SIM_PAYLOAD_TRACKER = 1   /* web/clickstream.js: eventTimestamp, sentAt, batches */
} sbw_sim_payload_t;

typedef struct {
    uint64_t seed;
    int64_t start_ms, end_ms; /* visits start in [start, end); events at or after end are dropped */
    double visits;            /* visits planned over the range (> 0) */
    int64_t max_events;       /* stop after this many events; 0 = no limit */
    sbw_sim_payload_t payload;
    int batch;            /* tracker: most events per request, 1..SBW_SIM_BATCH_MAX */
    int64_t flush_ms;     /* tracker: a request closes when the next event comes later than
                             this after its first one (the tracker's flush timer) */
    const char *site;     /* origin of page URLs, e.g. "https://shop.example" (borrowed) */
    double p_returning;   /* share of visits by a returning client */
    double p_account;     /* share of clients with an account */
    double p_bot;         /* share of visits by a bot */
    double p_gap;         /* chance of an idle gap over 30 min before a page (splits the session) */
    double p_fallback_id; /* share of eventIds in the tracker's "<epoch-ms>-<8 hex>" form */
    /* Continuation rates: home->category, category->product, product->cart,
     * cart->checkout_start, checkout_start->checkout_complete. */
    double funnel[SBW_SIM_NSTEPS];
} sbw_sim_opts_t;

/* One HTTP request. Strings and arrays are borrowed from the generator. */
typedef struct {
    int64_t received_ms;    /* when the ingest would receive it (simulated) */
    const char *user_agent; /* the browser's or bot's User-Agent */
    const char *source_ip;  /* raw client address (the ingest anonymises it) */
    const char *client_id;  /* for routing one client's requests in order */
    char request_id[32];    /* "sim-<16 hex>", "rees46-<n>" */
    int is_bot;             /* user_agent is a bot's (for statistics; the ingest decides) */
    int64_t visit;          /* the visit it belongs to, counted from 1 (0 for imports) */
    const char *body;       /* the request body: one JSON object, or an array in tracker mode */
    size_t body_len;
    int n;                         /* events in the body */
    size_t off[SBW_SIM_BATCH_MAX]; /* event i is body[off[i] .. off[i] + len[i]) */
    size_t len[SBW_SIM_BATCH_MAX];
    int64_t event_ms[SBW_SIM_BATCH_MAX]; /* when each event happened (simulated) */
} sbw_sim_req_t;

typedef struct sbw_sim_gen sbw_sim_gen_t;

/* Defaults: seed 1, payload original, batch 50, flush 5 s, site https://shop.example,
 * 35 % returning, 35 % with an account, 3 % bots, 4 % gaps, 2 % fallback ids, funnel
 * 0.70 0.75 0.28 0.55 0.70. start/end/visits are left 0 for the caller. */
void sbw_sim_opts_init(sbw_sim_opts_t *o);

/* Checks options; returns 0, or -1 with a message naming the bad option in err. */
int sbw_sim_opts_check(const sbw_sim_opts_t *o, char *err, size_t errlen);

/* Creates a generator (copies opts; opts->site is borrowed and must outlive it). Returns 0
 * with *out, or -1 with the reason in err (bad options, out of memory). */
int sbw_sim_gen_new(const sbw_sim_opts_t *opts, sbw_sim_gen_t **out, char *err, size_t errlen);

/* Frees the generator; accepts NULL. */
void sbw_sim_gen_free(sbw_sim_gen_t *g);

/* Fills *req with the next request. Returns 1, 0 at the end (range over or max_events
 * reached), or -1 when out of memory. */
int sbw_sim_gen_next(sbw_sim_gen_t *g, sbw_sim_req_t *req);

/* Events produced so far. */
int64_t sbw_sim_gen_events(const sbw_sim_gen_t *g);

/* The catalogue the generator uses (borrowed). */
const sbw_sim_catalog_t *sbw_sim_gen_catalog(const sbw_sim_gen_t *g);

/* The visits to plan so that a run of opts (its range, seed and rates; visits and max_events
 * ignored) yields at least `events` events and usually at most 2.5 % (or 300) more (the run
 * then stops at exactly `events`, which leaves the last ~1 % of the range without traffic). Found
 * by counting runs that render nothing (deterministic). Returns the visits, or -1 on error. */
double sbw_sim_visits_for_events(const sbw_sim_opts_t *opts, int64_t events);

/* Relative traffic at a UTC time: the hour-of-day curve of Asia/Ho_Chi_Minh (UTC+7; busiest
 * 19:00-22:00) times the day-of-week factor (weekends busier). Mean over a week is about 1. */
double sbw_sim_rhythm(int64_t ms);

#endif
