/* sbw_sim_lake: hour-grouped NDJSON objects written to the lake by a small pool of threads. */
#include "sbw_sim_lake.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbw_enrich.h"
#include "sbw_sim_rng.h"
#include "sbw_time.h"

#define HOUR_MS 3600000LL
#define OPEN_HOURS_MAX 64 /* open per-hour buffers; the oldest is written when more are needed */
#define WRITERS_MAX 16

char *sbw_sim_ingest_json(const sbw_sim_req_t *req, const sbw_limits_t *limits, char *err,
                          size_t errlen)
{
    sbw_ingest_meta_t meta = {.received_at_ms = req->received_ms,
                              .source_ip = req->source_ip,
                              .user_agent = req->user_agent,
                              .request_id = req->request_id,
                              .trace_id = NULL,
                              .method = "POST",
                              .path = "/clickstream"};
    cJSON *ing = sbw_enrich_build(&meta, limits, err, errlen);
    if (!ing)
        return NULL;
    char *s = cJSON_PrintUnformatted(ing);
    cJSON_Delete(ing);
    if (!s)
        snprintf(err, errlen, "out of memory");
    return s;
}

int sbw_sim_lake_line(sbw_buf_t *buf, const char *event, size_t len, const char *ingest_json,
                      const char *server_event_id)
{
    size_t il = strlen(ingest_json);
    if (len < 2 || event[0] != '{' || event[len - 1] != '}' || memchr(event, '\n', len) ||
        memchr(event, '\r', len) || il < 2 || ingest_json[il - 1] != '}')
        return -1;
    size_t before = buf->len;
    int rc = sbw_buf_append(buf, event, len - 1);
    /* "{}" + members: no comma after an empty object */
    rc |= len == 2 ? sbw_buf_append(buf, "\"_ingest\":", 10)
                   : sbw_buf_append(buf, ",\"_ingest\":", 11);
    rc |= sbw_buf_append(buf, ingest_json, il - 1);
    if (server_event_id) {
        rc |= sbw_buf_append(buf, il > 2 ? ",\"eventId\":\"" : "\"eventId\":\"", il > 2 ? 12 : 11);
        rc |= sbw_buf_append(buf, server_event_id, strlen(server_event_id));
        rc |= sbw_buf_append(buf, "\"", 1);
    }
    rc |= sbw_buf_append(buf, "}}\n", 3);
    if (rc) {
        buf->len = before;
        if (buf->data)
            buf->data[before] = '\0';
        return -1;
    }
    return 0;
}

/* ---- the writer ---- */

typedef struct {
    int64_t hour; /* hour start (ms); -1 = free slot */
    sbw_buf_t buf;
    int count;
} hour_buf_t;

typedef struct job {
    char key[SBW_LAKE_KEY_MAX + 1];
    char *data;
    size_t len;
    struct job *next;
} job_t;

typedef struct {
    struct sbw_sim_lakew *w;
    int slot;
} thread_arg_t;

#define TMPL_MAX 64

/* sbw_enrich_build's "_ingest" for one User-Agent, rendered with sourceIp null and requestId
 * "R"; ip_at/id_at are the offsets of those two values. */
typedef struct {
    char *ua; /* NULL for a request without a User-Agent */
    char *text;
    size_t len, ip_at, id_at;
} tmpl_t;

struct sbw_sim_lakew {
    sbw_lake_t *lakes[WRITERS_MAX];
    thread_arg_t args[WRITERS_MAX];
    pthread_t threads[WRITERS_MAX];
    int nthreads;
    int group;
    sbw_limits_t limits;
    sbw_sim_rng_t rng;
    hour_buf_t hours[OPEN_HOURS_MAX];
    /* the job queue */
    pthread_mutex_t mu;
    pthread_cond_t cv_job, cv_space;
    job_t *head, *tail;
    int queued, queue_max, busy;
    int closing;
    char first_err[512];
    int failed;
    sbw_sim_lake_stats_t stats;
    /* "_ingest" templates, one per User-Agent (see ingest_for). */
    tmpl_t tmpl[TMPL_MAX];
    int ntmpl;
};

static void *writer_main(void *ud)
{
    thread_arg_t *a = ud;
    sbw_sim_lakew_t *w = a->w;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->cv_job, &w->mu);
        if (!w->head) {
            pthread_mutex_unlock(&w->mu);
            return NULL;
        }
        job_t *j = w->head;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        w->queued--;
        w->busy++;
        int skip = w->failed;
        pthread_cond_signal(&w->cv_space);
        pthread_mutex_unlock(&w->mu);

        char err[512] = "";
        int rc =
            skip ? 0 : sbw_lake_put(w->lakes[a->slot], j->key, j->data, j->len, err, sizeof err);

        pthread_mutex_lock(&w->mu);
        w->busy--;
        if (rc != 0 && !w->failed) {
            w->failed = 1;
            snprintf(w->first_err, sizeof w->first_err, "%s", err);
        }
        pthread_cond_broadcast(&w->cv_space);
        pthread_mutex_unlock(&w->mu);
        free(j->data);
        free(j);
    }
}

int sbw_sim_lakew_new(const char *url, const sbw_lake_opts_t *opts, int group, int writers,
                      uint64_t seed, sbw_sim_lakew_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (group < 1 || group > 100000) {
        snprintf(err, errlen, "--group: must be 1..100000");
        return -1;
    }
    if (writers < 1 || writers > WRITERS_MAX) {
        snprintf(err, errlen, "--writers: must be 1..%d", WRITERS_MAX);
        return -1;
    }
    sbw_sim_lakew_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->group = group;
    sbw_limits_init(&w->limits);
    sbw_sim_rng_seed(&w->rng, seed, 99);
    for (int i = 0; i < OPEN_HOURS_MAX; i++) {
        w->hours[i].hour = -1;
        sbw_buf_init(&w->hours[i].buf, 0);
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv_job, NULL);
    pthread_cond_init(&w->cv_space, NULL);
    w->queue_max = 2 * writers;
    for (int i = 0; i < writers; i++) {
        if (sbw_lake_open(url, opts, &w->lakes[i], err, errlen) != 0) {
            sbw_sim_lakew_free(w);
            return -1;
        }
    }
    for (int i = 0; i < writers; i++) {
        w->args[i].w = w;
        w->args[i].slot = i;
        if (pthread_create(&w->threads[i], NULL, writer_main, &w->args[i]) != 0) {
            snprintf(err, errlen, "cannot start a writer thread");
            sbw_sim_lakew_free(w);
            return -1;
        }
        w->nthreads++;
    }
    *out = w;
    return 0;
}

/* Queues the buffer of slot h as one object and empties the slot. */
static int submit(sbw_sim_lakew_t *w, hour_buf_t *h, char *err, size_t errlen)
{
    if (h->count == 0) {
        h->hour = -1;
        return 0;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char id[37];
    sbw_sim_rng_uuid(&w->rng, id);
    if (sbw_lake_key_for(h->hour, id, j->key, sizeof j->key) != 0) {
        free(j);
        snprintf(err, errlen, "receive time out of range");
        return -1;
    }
    w->stats.events += h->count;
    w->stats.objects++;
    w->stats.bytes += (int64_t)h->buf.len;
    j->data = sbw_buf_steal(&h->buf, &j->len);
    h->count = 0;
    h->hour = -1;
    pthread_mutex_lock(&w->mu);
    while (w->queued >= w->queue_max && !w->failed)
        pthread_cond_wait(&w->cv_space, &w->mu);
    int failed = w->failed;
    if (failed) {
        snprintf(err, errlen, "%s", w->first_err);
    } else {
        if (w->tail)
            w->tail->next = j;
        else
            w->head = j;
        w->tail = j;
        w->queued++;
        pthread_cond_signal(&w->cv_job);
    }
    pthread_mutex_unlock(&w->mu);
    if (failed) {
        free(j->data);
        free(j);
        return -1;
    }
    return 0;
}

/* The open buffer of the hour holding ms, opening one (and writing out the oldest when all
 * are taken) as needed. */
static hour_buf_t *hour_slot(sbw_sim_lakew_t *w, int64_t ms, char *err, size_t errlen)
{
    int64_t hour = ms - ((ms % HOUR_MS) + HOUR_MS) % HOUR_MS;
    hour_buf_t *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < OPEN_HOURS_MAX; i++) {
        hour_buf_t *h = &w->hours[i];
        if (h->hour == hour)
            return h;
        if (h->hour < 0) {
            if (!free_slot)
                free_slot = h;
        } else if (!oldest || h->hour < oldest->hour) {
            oldest = h;
        }
    }
    if (!free_slot) {
        if (submit(w, oldest, err, errlen) != 0)
            return NULL;
        free_slot = oldest;
    }
    free_slot->hour = hour;
    free_slot->count = 0;
    return free_slot;
}

/* True when the compact event text holds pat followed by a non-empty string (our generated
 * and imported events only; a member named so inside a nested object would count too, and
 * none of ours has one). */
static int has_member(const char *ev, size_t len, const char *pat)
{
    size_t pl = strlen(pat);
    for (size_t i = 0; i + pl < len; i++)
        if (ev[i] == '"' && memcmp(ev + i, pat, pl) == 0 && ev[i + pl] != '"')
            return 1;
    return 0;
}

/* sbw_time_format_iso without printf: "YYYY-MM-DDThh:mm:ss.mmmZ". Returns 0 or -1. */
static int iso_fast(int64_t ms, char out[SBW_TIME_ISO_SIZE])
{
    sbw_time_civil_t c;
    if (sbw_time_to_civil(ms, &c) != 0)
        return -1;
    const int v[7] = {c.year, c.month, c.day, c.hour, c.min, c.sec, c.ms};
    const int w[7] = {4, 2, 2, 2, 2, 2, 3};
    const char sep[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
    int o = 0;
    for (int i = 0; i < 7; i++) {
        for (int k = w[i] - 1, x = v[i]; k >= 0; k--, x /= 10)
            out[o + k] = (char)('0' + x % 10);
        o += w[i];
        out[o++] = sep[i];
    }
    out[o] = '\0';
    return 0;
}

static int id_plain(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return 0;
    return 1;
}

#define RECEIVED_AT_VALUE 15 /* strlen("{\"receivedAt\":\"") */
#define IP_MEMBER ",\"sourceIp\":null"
#define ID_MEMBER ",\"requestId\":\"R\""

/* The template for ua, built on first use; NULL when it cannot be (then the caller renders
 * the request in full). */
static const tmpl_t *template_for(sbw_sim_lakew_t *w, const char *ua)
{
    for (int i = 0; i < w->ntmpl; i++) {
        tmpl_t *t = &w->tmpl[i];
        if ((!ua && !t->ua) || (ua && t->ua && (t->ua == ua || strcmp(t->ua, ua) == 0)))
            return t;
    }
    if (w->ntmpl == TMPL_MAX)
        return NULL;
    sbw_sim_req_t probe;
    probe.received_ms = 0;
    probe.source_ip = NULL;
    probe.user_agent = ua;
    snprintf(probe.request_id, sizeof probe.request_id, "R");
    char err[256];
    char *text = sbw_sim_ingest_json(&probe, &w->limits, err, sizeof err);
    if (!text)
        return NULL;
    const char *ip = strstr(text, IP_MEMBER), *id = strstr(text, ID_MEMBER);
    char *ua_copy = ua ? strdup(ua) : NULL;
    if (strncmp(text, "{\"receivedAt\":\"1970-01-01T00:00:00.000Z\"", RECEIVED_AT_VALUE + 25) !=
            0 ||
        !ip || !id || id < ip || (ua && !ua_copy)) {
        free(text);
        free(ua_copy);
        return NULL;
    }
    tmpl_t *t = &w->tmpl[w->ntmpl++];
    t->ua = ua_copy;
    t->text = text;
    t->len = strlen(text);
    t->ip_at = (size_t)(ip - text) + strlen(",\"sourceIp\":");
    t->id_at = (size_t)(id - text) + strlen(",\"requestId\":\"");
    return t;
}

/* The request's "_ingest" text (malloc'd): sbw_enrich_build's rendering for its User-Agent
 * with the receive time, the anonymised address (sbw_enrich_ip_anonymise) and the request id
 * put in; equal byte for byte to rendering it in full (tested), only without re-running the
 * bot check for every request. */
static char *ingest_for(sbw_sim_lakew_t *w, const sbw_sim_req_t *req, char *err, size_t errlen)
{
    const tmpl_t *t = id_plain(req->request_id) ? template_for(w, req->user_agent) : NULL;
    char iso[SBW_TIME_ISO_SIZE], ip[SBW_IP_SIZE];
    if (!t || iso_fast(req->received_ms, iso) != 0)
        return sbw_sim_ingest_json(req, &w->limits, err, errlen);
    int have_ip = sbw_enrich_ip_anonymise(req->source_ip, ip, sizeof ip) == 0;
    size_t il = strlen(req->request_id), pl = have_ip ? strlen(ip) + 2 : 4;
    char *s = malloc(t->len + il + pl + 1);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t o = 0;
    memcpy(s, t->text, RECEIVED_AT_VALUE);
    o = RECEIVED_AT_VALUE;
    memcpy(s + o, iso, SBW_TIME_ISO_SIZE - 1);
    o += SBW_TIME_ISO_SIZE - 1;
    size_t from = RECEIVED_AT_VALUE + SBW_TIME_ISO_SIZE - 1;
    memcpy(s + o, t->text + from, t->ip_at - from);
    o += t->ip_at - from;
    if (have_ip) {
        s[o++] = '"';
        memcpy(s + o, ip, pl - 2);
        o += pl - 2;
        s[o++] = '"';
    } else {
        memcpy(s + o, "null", 4);
        o += 4;
    }
    from = t->ip_at + 4;
    memcpy(s + o, t->text + from, t->id_at - from);
    o += t->id_at - from;
    memcpy(s + o, req->request_id, il);
    o += il;
    from = t->id_at + 1;
    memcpy(s + o, t->text + from, t->len - from + 1);
    return s;
}

int sbw_sim_lakew_add(sbw_sim_lakew_t *w, const sbw_sim_req_t *req, char *err, size_t errlen)
{
    char *ing = ingest_for(w, req, err, errlen);
    if (!ing)
        return -1;
    int rc = 0;
    hour_buf_t *h = hour_slot(w, req->received_ms, err, errlen);
    if (!h) {
        free(ing);
        return -1;
    }
    for (int i = 0; i < req->n; i++) {
        const char *ev = req->body + req->off[i];
        /* The ingest adds an id only when the client sent no non-empty eventId. */
        char server_id[37];
        const char *sid = NULL;
        if (!has_member(ev, req->len[i], "\"eventId\":\"") &&
            !has_member(ev, req->len[i], "\"event_id\":\"")) {
            sbw_sim_rng_uuid(&w->rng, server_id);
            sid = server_id;
        }
        if (sbw_sim_lake_line(&h->buf, ev, req->len[i], ing, sid) != 0) {
            snprintf(
                err, errlen,
                "cannot store event %d of request %s (not one compact object, or out of memory)", i,
                req->request_id);
            rc = -1;
            break;
        }
        if (++h->count >= w->group) {
            int64_t hour = h->hour;
            if (submit(w, h, err, errlen) != 0) {
                rc = -1;
                break;
            }
            h->hour = hour; /* keep the slot for the rest of this request */
        }
    }
    free(ing);
    return rc;
}

int sbw_sim_lakew_finish(sbw_sim_lakew_t *w, sbw_sim_lake_stats_t *stats, char *err, size_t errlen)
{
    int rc = 0;
    for (int i = 0; i < OPEN_HOURS_MAX && rc == 0; i++)
        if (w->hours[i].hour >= 0)
            rc = submit(w, &w->hours[i], err, errlen);
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    pthread_cond_broadcast(&w->cv_job);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    w->nthreads = 0;
    if (w->failed) {
        snprintf(err, errlen, "%s", w->first_err);
        rc = -1;
    }
    if (stats)
        *stats = w->stats;
    return rc;
}

void sbw_sim_lakew_free(sbw_sim_lakew_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    w->failed = 1; /* drop what is queued */
    pthread_cond_broadcast(&w->cv_job);
    pthread_mutex_unlock(&w->mu);
    for (int i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    while (w->head) {
        job_t *j = w->head;
        w->head = j->next;
        free(j->data);
        free(j);
    }
    for (int i = 0; i < OPEN_HOURS_MAX; i++)
        sbw_buf_cleanup(&w->hours[i].buf);
    for (int i = 0; i < WRITERS_MAX; i++)
        sbw_lake_free(w->lakes[i]);
    for (int i = 0; i < w->ntmpl; i++) {
        free(w->tmpl[i].ua);
        free(w->tmpl[i].text);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv_job);
    pthread_cond_destroy(&w->cv_space);
    free(w);
}

const char *sbw_sim_lakew_describe(const sbw_sim_lakew_t *w)
{
    return sbw_lake_describe(w->lakes[0]);
}
