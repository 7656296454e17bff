/* sbw_enrich: the "_ingest" member, IP anonymisation and bot detection (see sbw_enrich.h). */
#include "sbw_enrich.h"

#include "sbw_err.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_time.h"
#include "sbw_utf8.h"

int sbw_enrich_ip_anonymise(const char *ip, char *out, size_t outlen)
{
    if (outlen > 0)
        out[0] = '\0';
    if (!ip || outlen < SBW_IP_SIZE)
        return -1;
    unsigned char a[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, ip, a) == 1) {
        a[3] = 0;
        return inet_ntop(AF_INET, a, out, (socklen_t)outlen) ? 0 : -1;
    }
    if (inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, sizeof mapped) == 0) {
            a[15] = 0;
            return inet_ntop(AF_INET, a + 12, out, (socklen_t)outlen) ? 0 : -1;
        }
        memset(a + 6, 0, sizeof a - 6); /* keep the /48 */
        return inet_ntop(AF_INET6, a, out, (socklen_t)outlen) ? 0 : -1;
    }
    return -1;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search of the lowercase needle in hay; returns the match or NULL. */
static const char *ci_find(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && lower(p[i]) == needle[i])
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

/* Markers of automated clients (lowercase substrings). Keep docs/event-contract.md in step. */
static const char *const bot_markers[] = {
    "bot", /* Googlebot, bingbot, AhrefsBot, UptimeRobot, ... (not "cubot") */
    "crawler",
    "spider",
    "slurp",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "httpclient",
    "axios/",
    "node-fetch",
    "scrapy",
    "phantomjs",
    "facebookexternalhit",
    "embedly",
    "lighthouse",
    "pingdom",
    "feedfetcher",
    "mediapartners-google",
    "google-inspectiontool",
    NULL, /* "headlesschrome" is deliberately absent: our own browser tests use it */
};

/* The markers in hay, whose letters are already lowercase (strstr or ci_find). */
static bool has_bot_marker(const char *hay, const char *(*find)(const char *, const char *))
{
    for (const char *const *m = bot_markers; *m; m++) {
        if (strcmp(*m, "bot") == 0) {
            /* "bot" anywhere except inside the phone brand "Cubot". */
            for (const char *p = hay; (p = find(p, "bot")) != NULL; p += 3) {
                if (!(p - hay >= 2 && lower(p[-2]) == 'c' && lower(p[-1]) == 'u'))
                    return true;
            }
            continue;
        }
        if (find(hay, *m))
            return true;
    }
    return false;
}

static const char *find_exact(const char *hay, const char *needle)
{
    return strstr(hay, needle);
}

/* Called once per request with the User-Agent: the text is lowercased once and searched with
 * strstr (case-folding scans per marker cost a real browser's 130 bytes ~5 us a request). */
bool sbw_enrich_is_bot(const char *ua)
{
    if (!ua || !*ua)
        return false;
    size_t n = strlen(ua);
    char stack[1024];
    char *low = n < sizeof stack ? stack : malloc(n + 1);
    if (!low) /* out of memory for an over-long header: search it in place */
        return has_bot_marker(ua, ci_find);
    for (size_t i = 0; i < n; i++)
        low[i] = lower(ua[i]);
    low[n] = '\0';
    bool bot = has_bot_marker(low, find_exact);
    if (low != stack)
        free(low);
    return bot;
}

/* Adds name: sanitised text cut to max bytes, or null. Returns 0 or -1 when out of memory. */
static int add_text(cJSON *o, const char *name, const char *s, size_t max)
{
    if (!s)
        return cJSON_AddNullToObject(o, name) ? 0 : -1;
    char *t = sbw_utf8_sanitize(s, strlen(s), max);
    if (!t)
        return -1;
    cJSON *v = cJSON_AddStringToObject(o, name, t);
    free(t);
    return v ? 0 : -1;
}

bool sbw_enrich_client_sent_id(const cJSON *obj)
{
    const char *names[] = {"eventId", "event_id"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, names[i]);
        if (cJSON_IsString(v) && v->valuestring[0])
            return true;
    }
    return false;
}

cJSON *sbw_enrich_build(const sbw_ingest_meta_t *meta, const sbw_limits_t *limits, char *err,
                        size_t errlen)
{
    char iso[SBW_TIME_ISO_SIZE];
    char ip[SBW_IP_SIZE];
    if (sbw_time_format_iso(meta->received_at_ms, iso, sizeof iso) != 0) {
        sbw_err_set(err, errlen, "receive time %lld out of range", (long long)meta->received_at_ms);
        return NULL;
    }
    cJSON *ing = cJSON_CreateObject();
    if (!ing)
        goto oom;
    bool have_ip = sbw_enrich_ip_anonymise(meta->source_ip, ip, sizeof ip) == 0;
    if (!cJSON_AddStringToObject(ing, "receivedAt", iso) ||
        add_text(ing, "sourceIp", have_ip ? ip : NULL, sizeof ip) != 0 ||
        add_text(ing, "userAgent", meta->user_agent, limits->max_user_agent_bytes) != 0 ||
        add_text(ing, "requestId", meta->request_id, limits->max_string_bytes) != 0 ||
        add_text(ing, "traceId", meta->trace_id, limits->max_string_bytes) != 0 ||
        add_text(ing, "method", meta->method, limits->max_string_bytes) != 0 ||
        add_text(ing, "path", meta->path, limits->max_string_bytes) != 0 ||
        !cJSON_AddBoolToObject(ing, "isBot", sbw_enrich_is_bot(meta->user_agent)))
        goto oom;
    return ing;
oom:
    cJSON_Delete(ing);
    sbw_err_set(err, errlen, "out of memory");
    return NULL;
}

/* A JSON string as cJSON prints it: '"', '\\' and control characters escaped (the usual
 * short forms, else \u00xx), every other byte as it is. */
static int put_json_string(sbw_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (sbw_buf_append(b, "\"", 1) != 0)
        return -1;
    size_t run = 0; /* bytes that need no escape, appended together */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 32 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run && sbw_buf_append(b, s + i - run, run) != 0)
            return -1;
        run = 0;
        char e[6] = {'\\', 0, 0, 0, 0, 0};
        size_t el = 2;
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            el = 6;
        }
        if (sbw_buf_append(b, e, el) != 0)
            return -1;
    }
    if (run && sbw_buf_append(b, s + n - run, run) != 0)
        return -1;
    return sbw_buf_append(b, "\"", 1);
}

/* ,"name":<text as add_text stores it> */
static int put_member(sbw_buf_t *b, const char *name, const char *s, size_t max)
{
    if (sbw_buf_append_str(b, ",\"") != 0 || sbw_buf_append_str(b, name) != 0 ||
        sbw_buf_append(b, "\":", 2) != 0)
        return -1;
    if (!s)
        return sbw_buf_append(b, "null", 4);
    size_t len = strlen(s);
    if (len <= max && sbw_utf8_valid(s, len, NULL)) /* what sanitize would copy unchanged */
        return put_json_string(b, s, len);
    char *t = sbw_utf8_sanitize(s, len, max);
    if (!t)
        return -1;
    int rc = put_json_string(b, t, strlen(t));
    free(t);
    return rc;
}

int sbw_enrich_render(const sbw_ingest_meta_t *meta, const sbw_limits_t *limits, sbw_buf_t *out,
                      char *err, size_t errlen)
{
    char iso[SBW_TIME_ISO_SIZE];
    char ip[SBW_IP_SIZE];
    if (sbw_time_format_iso(meta->received_at_ms, iso, sizeof iso) != 0) {
        sbw_err_set(err, errlen, "receive time %lld out of range", (long long)meta->received_at_ms);
        return -1;
    }
    bool have_ip = sbw_enrich_ip_anonymise(meta->source_ip, ip, sizeof ip) == 0;
    size_t at = out->len;
    if (sbw_buf_append_str(out, "{\"receivedAt\":") != 0 ||
        put_json_string(out, iso, strlen(iso)) != 0 ||
        put_member(out, "sourceIp", have_ip ? ip : NULL, sizeof ip) != 0 ||
        put_member(out, "userAgent", meta->user_agent, limits->max_user_agent_bytes) != 0 ||
        put_member(out, "requestId", meta->request_id, limits->max_string_bytes) != 0 ||
        put_member(out, "traceId", meta->trace_id, limits->max_string_bytes) != 0 ||
        put_member(out, "method", meta->method, limits->max_string_bytes) != 0 ||
        put_member(out, "path", meta->path, limits->max_string_bytes) != 0 ||
        sbw_buf_append_str(out, sbw_enrich_is_bot(meta->user_agent) ? ",\"isBot\":true}"
                                                                   : ",\"isBot\":false}") != 0) {
        out->len = at;
        if (out->data)
            out->data[at] = '\0';
        sbw_err_set(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int sbw_enrich_event(cJSON *obj, const sbw_ingest_meta_t *meta, const sbw_limits_t *limits,
                     char *err, size_t errlen)
{
    if (!cJSON_IsObject(obj)) {
        sbw_err_set(err, errlen, "expected a JSON object");
        return -1;
    }
    if (meta->server_event_id && !sbw_event_uuid_valid(meta->server_event_id)) {
        sbw_err_set(err, errlen, "server event id is not a UUID");
        return -1;
    }
    cJSON *ing = sbw_enrich_build(meta, limits, err, errlen);
    if (!ing)
        return -1;
    while (cJSON_GetObjectItemCaseSensitive(obj, "_ingest"))
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "_ingest");
    if (meta->server_event_id && !sbw_enrich_client_sent_id(obj)) {
        char id[SBW_UUID_SIZE];
        for (int i = 0; i < SBW_UUID_SIZE; i++) {
            char c = meta->server_event_id[i];
            id[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
        }
        if (!cJSON_AddStringToObject(ing, "eventId", id))
            goto oom;
    }
    if (!cJSON_AddItemToObject(obj, "_ingest", ing))
        goto oom;
    return 0;
oom:
    cJSON_Delete(ing);
    sbw_err_set(err, errlen, "out of memory");
    return -1;
}
