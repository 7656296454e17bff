/* sbw_sim_rees46: CSV rows -> storefront events, with a skip report. */
#include "sbw_sim_rees46.h"

#include <stdlib.h>
#include <string.h>

#include "sbw_event.h"
#include "sbw_sim_csv.h"
#include "sbw_sim_rng.h"
#include "sbw_time.h"
#include "sbw_utf8.h"

#define NCOLS 9
#define FIELD_MAX 2048
#define DEDUP_GEN (1u << 20) /* fingerprints per generation; two generations are kept */
#define DEDUP_SLOTS (1u << 21)
#define EXAMPLES_MAX 20
#define REASONS_MAX 16

enum {
    C_TIME,
    C_TYPE,
    C_PRODUCT,
    C_CATEGORY_ID,
    C_CATEGORY_CODE,
    C_BRAND,
    C_PRICE,
    C_USER,
    C_SESSION
};
static const char *const COLS[NCOLS] = {"event_time",  "event_type",    "product_id",
                                        "category_id", "category_code", "brand",
                                        "price",       "user_id",       "user_session"};

typedef struct {
    uint64_t *slots; /* open addressing, 0 = empty */
    uint32_t count;
} fpset_t;

typedef struct {
    char reason[48];
    int64_t count;
} reason_t;

typedef struct {
    int64_t line;
    char reason[160];
} example_t;

typedef struct {
    int64_t t;
    size_t off, len; /* in ebuf */
} pev_t;

struct sbw_sim_rees46 {
    sbw_sim_csv_t csv;
    sbw_sim_payload_t payload;
    int batch;
    int col[NCOLS];
    int ncols_expected;
    int header_done;
    fpset_t cur, prev;
    int64_t rows, events, skipped, req_seq;
    reason_t reasons[REASONS_MAX];
    int nreasons;
    example_t examples[EXAMPLES_MAX];
    int nexamples;
    /* events waiting for their request */
    sbw_buf_t ebuf;
    pev_t pend[SBW_SIM_BATCH_MAX];
    int npend;
    char pend_session[FIELD_MAX + 1];
    int held; /* pend[npend] is a rendered row of another session waiting for the next request */
    char held_session[FIELD_MAX + 1];
    sbw_buf_t rbuf;
};

static int fp_has(const fpset_t *s, uint64_t fp)
{
    if (!s->slots)
        return 0;
    for (uint32_t i = (uint32_t)fp & (DEDUP_SLOTS - 1);; i = (i + 1) & (DEDUP_SLOTS - 1)) {
        if (s->slots[i] == fp)
            return 1;
        if (s->slots[i] == 0)
            return 0;
    }
}

static int fp_add(sbw_sim_rees46_t *r, uint64_t fp)
{
    if (r->cur.count >= DEDUP_GEN) {
        free(r->prev.slots);
        r->prev = r->cur;
        r->cur.slots = NULL;
        r->cur.count = 0;
    }
    if (!r->cur.slots && !(r->cur.slots = calloc(DEDUP_SLOTS, sizeof *r->cur.slots)))
        return -1;
    uint32_t i = (uint32_t)fp & (DEDUP_SLOTS - 1);
    while (r->cur.slots[i] != 0)
        i = (i + 1) & (DEDUP_SLOTS - 1);
    r->cur.slots[i] = fp;
    r->cur.count++;
    return 0;
}

static void skip(sbw_sim_rees46_t *r, const char *reason, const char *detail)
{
    r->skipped++;
    int i;
    for (i = 0; i < r->nreasons; i++)
        if (strcmp(r->reasons[i].reason, reason) == 0)
            break;
    if (i == r->nreasons && r->nreasons < REASONS_MAX) {
        snprintf(r->reasons[i].reason, sizeof r->reasons[i].reason, "%s", reason);
        r->nreasons++;
    }
    if (i < r->nreasons)
        r->reasons[i].count++;
    if (r->nexamples < EXAMPLES_MAX) {
        example_t *e = &r->examples[r->nexamples++];
        e->line = r->csv.rec_line;
        if (detail)
            snprintf(e->reason, sizeof e->reason, "%s: %.100s", reason, detail);
        else
            snprintf(e->reason, sizeof e->reason, "%s", reason);
    }
}

int sbw_sim_rees46_new(FILE *f, sbw_sim_payload_t payload, int batch, sbw_sim_rees46_t **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (batch < 1 || batch > SBW_SIM_BATCH_MAX) {
        snprintf(err, errlen, "--batch: must be 1..%d", SBW_SIM_BATCH_MAX);
        return -1;
    }
    sbw_sim_rees46_t *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sbw_sim_csv_init(&r->csv, f);
    r->payload = payload;
    r->batch = payload == SBW_SIM_PAYLOAD_TRACKER ? batch : 1;
    for (int i = 0; i < NCOLS; i++)
        r->col[i] = i;
    r->ncols_expected = NCOLS;
    sbw_buf_init(&r->ebuf, 0);
    sbw_buf_init(&r->rbuf, 0);
    *out = r;
    return 0;
}

void sbw_sim_rees46_free(sbw_sim_rees46_t *r)
{
    if (!r)
        return;
    free(r->cur.slots);
    free(r->prev.slots);
    sbw_buf_cleanup(&r->ebuf);
    sbw_buf_cleanup(&r->rbuf);
    free(r);
}

/* Reads the header when the first record is one; returns 1 when it was. */
static int take_header(sbw_sim_rees46_t *r)
{
    sbw_sim_csv_t *c = &r->csv;
    if (c->nfields < 1 || strcmp(c->fields[0], "event_time") != 0)
        return 0;
    for (int k = 0; k < NCOLS; k++)
        r->col[k] = -1;
    for (int i = 0; i < c->nfields; i++)
        for (int k = 0; k < NCOLS; k++)
            if (strcmp(c->fields[i], COLS[k]) == 0)
                r->col[k] = i;
    r->ncols_expected = c->nfields;
    return 1;
}

static const char *field(const sbw_sim_rees46_t *r, int k)
{
    int i = r->col[k];
    return i >= 0 && i < r->csv.nfields ? r->csv.fields[i] : "";
}

/* Appends s as a JSON string, or null when empty. */
static int json_str(sbw_buf_t *b, const char *s)
{
    if (!*s)
        return sbw_buf_append(b, "null", 4);
    int rc = sbw_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            rc |= sbw_buf_append(b, e, 2);
        } else if (*p < 0x20) {
            rc |= sbw_buf_printf(b, "\\u%04x", *p);
        } else {
            rc |= sbw_buf_append(b, p, 1);
        }
    }
    return rc | sbw_buf_append(b, "\"", 1);
}

/* "1081.98", "0", "007.50" -> a JSON number text (leading zeros dropped); -1 when not a plain
 * non-negative decimal. */
static int price_text(const char *s, char *out, size_t outlen)
{
    const char *p = s;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits++;
    }
    if (digits == 0)
        return -1;
    const char *frac = NULL;
    if (*p == '.') {
        frac = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == frac)
            return -1;
    }
    if (*p || (size_t)(p - s) >= outlen || p - s > 40)
        return -1;
    while (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
        s++;
    snprintf(out, outlen, "%.*s", (int)(p - s), s);
    return 0;
}

static const char *event_name(const char *type)
{
    if (strcmp(type, "view") == 0)
        return "product_view";
    if (strcmp(type, "cart") == 0)
        return "add_to_cart_click";
    if (strcmp(type, "remove_from_cart") == 0)
        return "remove_from_cart_click";
    if (strcmp(type, "purchase") == 0)
        return "checkout_complete";
    return NULL;
}

/* Checks the current record and appends it to ebuf as one compact event object (sentAt is
 * added per request later). Returns 1 rendered, 0 skipped (counted), -1 out of memory. */
static int render_row(sbw_sim_rees46_t *r, int64_t *t_out)
{
    sbw_sim_csv_t *c = &r->csv;
    if (c->nfields != r->ncols_expected) {
        char d[64];
        snprintf(d, sizeof d, "expected %d, got %d", r->ncols_expected, c->nfields);
        skip(r, "wrong number of fields", d);
        return 0;
    }
    for (int i = 0; i < c->nfields; i++) {
        if (c->field_len[i] > FIELD_MAX) {
            skip(r, "field longer than 2048 bytes", COLS[i < NCOLS ? i : 0]);
            return 0;
        }
        if (!sbw_utf8_valid(c->fields[i], c->field_len[i], NULL)) {
            skip(r, "invalid UTF-8", NULL);
            return 0;
        }
    }
    /* event_time: "2019-10-01 00:00:00 UTC" (or any ISO 8601 time) */
    char tbuf[64];
    const char *ts = field(r, C_TIME);
    size_t tl = strlen(ts);
    if (tl >= sizeof tbuf) {
        skip(r, "bad event_time", ts);
        return 0;
    }
    memcpy(tbuf, ts, tl + 1);
    if (tl > 4 && strcmp(tbuf + tl - 4, " UTC") == 0)
        tbuf[tl - 4] = '\0';
    int64_t t;
    if (!*tbuf || sbw_time_parse_iso(tbuf, &t) != 0) {
        skip(r, "bad event_time", ts);
        return 0;
    }
    const char *name = event_name(field(r, C_TYPE));
    if (!name) {
        skip(r, "unknown event_type", field(r, C_TYPE));
        return 0;
    }
    char price[64] = "";
    const char *ps = field(r, C_PRICE);
    if (*ps && price_text(ps, price, sizeof price) != 0) {
        skip(r, "bad price", ps);
        return 0;
    }
    /* exact duplicates: every field equal */
    uint64_t fp = SBW_SIM_FNV_INIT;
    for (int i = 0; i < c->nfields; i++)
        fp = sbw_sim_fnv1a(fp, c->fields[i], c->field_len[i] + 1);
    if (fp == 0)
        fp = 1;
    if (fp_has(&r->cur, fp) || fp_has(&r->prev, fp)) {
        skip(r, "duplicate row", NULL);
        return 0;
    }
    if (fp_add(r, fp) != 0)
        return -1;

    /* eventId: UUID v5 of the row's fields joined by US (0x1f) */
    sbw_buf_t key;
    sbw_buf_init(&key, 0);
    int rc = sbw_buf_append(&key, "rees46", 6);
    for (int i = 0; i < c->nfields; i++) {
        rc |= sbw_buf_append(&key, "\x1f", 1);
        rc |= sbw_buf_append(&key, c->fields[i], c->field_len[i]);
    }
    char id[SBW_UUID_SIZE];
    if (rc == 0)
        sbw_event_uuid_v5(key.data, key.len, id);
    sbw_buf_cleanup(&key);
    if (rc)
        return -1;

    const char *code = field(r, C_CATEGORY_CODE);
    const char *dot = strrchr(code, '.');
    const char *category = dot ? dot + 1 : code;
    const char *user = field(r, C_USER);
    sbw_buf_t *b = &r->ebuf;
    rc |= sbw_buf_printf(b, "{\"eventName\":\"%s\",\"eventId\":\"%s\"", name, id);
    if (r->payload == SBW_SIM_PAYLOAD_TRACKER) {
        char iso[SBW_TIME_ISO_SIZE];
        sbw_time_format_iso(t, iso, sizeof iso);
        rc |= sbw_buf_printf(b, ",\"eventTimestamp\":\"%s\"", iso);
    }
    rc |= sbw_buf_append_str(b, ",\"userId\":");
    rc |= json_str(b, user);
    rc |= sbw_buf_printf(
        b, ",\"userLoginState\":\"%s\",\"clientId\":", *user ? "logged_in" : "anonymous");
    rc |= json_str(b, user);
    rc |= sbw_buf_append_str(b, ",\"sessionId\":");
    rc |= json_str(b, field(r, C_SESSION));
    rc |= sbw_buf_append_str(b, ",\"product\":{\"id\":");
    rc |= json_str(b, field(r, C_PRODUCT));
    rc |= sbw_buf_append_str(b, ",\"category\":");
    rc |= json_str(b, category);
    rc |= sbw_buf_append_str(b, ",\"brand\":");
    rc |= json_str(b, field(r, C_BRAND));
    rc |= sbw_buf_append_str(b, ",\"price\":");
    rc |= *price ? sbw_buf_append_str(b, price) : sbw_buf_append_str(b, "null");
    rc |= sbw_buf_append_str(b, "}}");
    if (rc)
        return -1;
    *t_out = t;
    return 1;
}

/* Builds the request from pend[0..n). */
static int build_request(sbw_sim_rees46_t *r, int n, sbw_sim_req_t *req)
{
    sbw_buf_reset(&r->rbuf);
    int64_t sent = r->pend[n - 1].t;
    char iso[SBW_TIME_ISO_SIZE];
    sbw_time_format_iso(sent, iso, sizeof iso);
    int rc = 0;
    if (n > 1)
        rc |= sbw_buf_append(&r->rbuf, "[", 1);
    for (int i = 0; i < n; i++) {
        const char *src = r->ebuf.data + r->pend[i].off;
        if (i > 0)
            rc |= sbw_buf_append(&r->rbuf, ",", 1);
        req->off[i] = r->rbuf.len;
        if (r->payload == SBW_SIM_PAYLOAD_TRACKER) {
            rc |= sbw_buf_append(&r->rbuf, src, r->pend[i].len - 1);
            rc |= sbw_buf_printf(&r->rbuf, ",\"sentAt\":\"%s\"}", iso);
        } else {
            rc |= sbw_buf_append(&r->rbuf, src, r->pend[i].len);
        }
        req->len[i] = r->rbuf.len - req->off[i];
        req->event_ms[i] = r->pend[i].t;
    }
    if (n > 1)
        rc |= sbw_buf_append(&r->rbuf, "]", 1);
    if (rc)
        return -1;
    req->n = n;
    req->received_ms = sent;
    req->user_agent = SBW_SIM_REES46_UA;
    req->source_ip = NULL;
    req->client_id = r->pend_session;
    req->is_bot = 0;
    req->visit = 0;
    snprintf(req->request_id, sizeof req->request_id, "rees46-%lld", (long long)++r->req_seq);
    req->body = r->rbuf.data;
    req->body_len = r->rbuf.len;
    r->events += n;
    return 0;
}

int sbw_sim_rees46_next(sbw_sim_rees46_t *r, sbw_sim_req_t *req, char *err, size_t errlen)
{
    /* Start from the held row of the previous call, if any. */
    if (r->held) {
        pev_t h = r->pend[r->npend];
        sbw_buf_t tmp = r->ebuf; /* move the held event to the start of ebuf */
        memmove(tmp.data, tmp.data + h.off, h.len);
        r->ebuf.len = h.len;
        r->ebuf.data[h.len] = '\0';
        r->pend[0] = (pev_t){h.t, 0, h.len};
        r->npend = 1;
        memcpy(r->pend_session, r->held_session, sizeof r->pend_session);
        r->held = 0;
    } else {
        r->npend = 0;
        sbw_buf_reset(&r->ebuf);
    }
    for (;;) {
        if (r->npend >= r->batch)
            break;
        char cerr[160];
        int rc = sbw_sim_csv_next(&r->csv, cerr, sizeof cerr);
        if (rc < 0) {
            snprintf(err, errlen, "read error at line %lld", (long long)r->csv.line + 1);
            return -1;
        }
        if (rc == 0)
            break;
        if (!r->header_done) {
            r->header_done = 1;
            if (rc == 1 && take_header(r))
                continue;
        }
        r->rows++;
        if (rc == 2) {
            skip(r, "unreadable record", cerr);
            continue;
        }
        const char *session = field(r, C_SESSION);
        int same = r->npend == 0 || strcmp(session, r->pend_session) == 0;
        size_t off = r->ebuf.len;
        int64_t t;
        int ok = render_row(r, &t);
        if (ok < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (ok == 0)
            continue;
        r->pend[r->npend] = (pev_t){t, off, r->ebuf.len - off};
        if (!same) {
            r->held = 1;
            snprintf(r->held_session, sizeof r->held_session, "%s", session);
            break;
        }
        if (r->npend == 0)
            snprintf(r->pend_session, sizeof r->pend_session, "%s", session);
        r->npend++;
    }
    if (r->npend == 0)
        return 0;
    if (build_request(r, r->npend, req) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

int sbw_sim_rees46_report(const sbw_sim_rees46_t *r, sbw_buf_t *out)
{
    int rc = sbw_buf_printf(out,
                            "{\"rows\":%lld,\"events\":%lld,\"skipped\":%lld,"
                            "\"skipped_by_reason\":{",
                            (long long)r->rows, (long long)r->events, (long long)r->skipped);
    for (int i = 0; i < r->nreasons; i++) {
        rc |= sbw_buf_printf(out, "%s", i ? "," : "");
        rc |= json_str(out, r->reasons[i].reason);
        rc |= sbw_buf_printf(out, ":%lld", (long long)r->reasons[i].count);
    }
    rc |= sbw_buf_append_str(out, "},\"first_skipped\":[");
    for (int i = 0; i < r->nexamples; i++) {
        rc |= sbw_buf_printf(out, "%s{\"line\":%lld,\"reason\":", i ? "," : "",
                             (long long)r->examples[i].line);
        rc |= json_str(out, r->examples[i].reason);
        rc |= sbw_buf_append_str(out, "}");
    }
    rc |= sbw_buf_append_str(out, "]}");
    return rc ? -1 : 0;
}
