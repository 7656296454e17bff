/* sbw_event: contract validation and the lake-record-to-row mapping (see sbw_event.h). */
#include "sbw_event.h"

#include "sbw_err.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "sbw_enrich.h"
#include "sbw_time.h"
#include "sbw_utf8.h"

#define MS_PER_MIN INT64_C(60000)
#define MS_PER_DAY INT64_C(86400000)
/* Client times before this are not plausible: 2015-01-01T00:00:00Z. */
#define PLAUSIBLE_MIN_MS INT64_C(1420070400000)
/* A derived event time may be at most this far after / before the receive time. */
#define SKEW_AHEAD_MS (5 * MS_PER_MIN)
#define SKEW_BEHIND_MS (7 * MS_PER_DAY)

void sbw_limits_init(sbw_limits_t *l)
{
    l->max_body_bytes = 1024 * 1024;
    l->max_events = 500;
    l->max_event_bytes = 64 * 1024;
    l->max_string_bytes = 2048;
    l->max_url_bytes = 8192;
    l->max_user_agent_bytes = SBW_USER_AGENT_MAX;
    l->max_depth = 8;
}

/* ---- small helpers over cJSON ---------------------------------------------------------- */

static const cJSON *member(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* The first of the given names (NULL-terminated list) present with a non-null value. */
static const cJSON *first_of(const cJSON *obj, const char *const *names)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    for (; *names; names++) {
        const cJSON *v = member(obj, *names);
        if (v && !cJSON_IsNull(v))
            return v;
    }
    return NULL;
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "invalid value";
}

/* ---- field table ----------------------------------------------------------------------- */

typedef enum {
    F_NAME,   /* eventName: string, 1..64 bytes of [A-Za-z0-9_.:-] */
    F_STRING, /* string or null */
    F_URL,    /* string or null, max_url_bytes */
    F_BOOL,   /* boolean or null */
    F_TIME,   /* ISO 8601 string, epoch number, or null */
    F_PRICE,  /* number, numeric string, "" or null */
    F_OBJECT  /* object or null */
} field_type_t;

typedef struct {
    const char *name;
    size_t len; /* strlen(name): compared first, it rules out almost every other name */
    field_type_t type;
} field_t;

#define FIELD(name, type) {name, sizeof(name) - 1, type}

static const field_t top_fields[] = {
    FIELD("eventName", F_NAME), FIELD("event_name", F_NAME),
    FIELD("eventId", F_STRING), FIELD("event_id", F_STRING),
    FIELD("eventTimestamp", F_TIME), FIELD("event_timestamp", F_TIME),
    FIELD("sentAt", F_TIME), FIELD("sent_at", F_TIME),
    FIELD("pageUrl", F_URL), FIELD("page_url", F_URL),
    FIELD("referrer", F_URL), FIELD("userId", F_STRING),
    FIELD("user_id", F_STRING), FIELD("userLoginState", F_STRING),
    FIELD("user_login_state", F_STRING), FIELD("login_state", F_STRING),
    FIELD("identitySource", F_STRING), FIELD("identity_source", F_STRING),
    FIELD("clientId", F_STRING), FIELD("client_id", F_STRING),
    FIELD("sessionId", F_STRING), FIELD("session_id", F_STRING),
    FIELD("isFirstVisit", F_BOOL), FIELD("is_first_visit", F_BOOL),
    FIELD("product", F_OBJECT), FIELD("element", F_OBJECT),
    {NULL, 0, F_STRING},
};

static const field_t product_fields[] = {
    FIELD("id", F_STRING),           FIELD("name", F_STRING),
    FIELD("category", F_STRING),     FIELD("brand", F_STRING),
    FIELD("brandName", F_STRING),    FIELD("urlPath", F_STRING),
    FIELD("url_path", F_STRING),     FIELD("price", F_PRICE),
    FIELD("discountPrice", F_PRICE), FIELD("discount_price", F_PRICE),
    {NULL, 0, F_STRING},
};

static const field_t element_fields[] = {
    FIELD("tag", F_STRING),  FIELD("id", F_STRING),      FIELD("role", F_STRING),
    FIELD("text", F_STRING), FIELD("dataset", F_OBJECT), {NULL, 0, F_STRING},
};

static const char *const names_event_name[] = {"eventName", "event_name", NULL};
static const char *const names_event_id[] = {"eventId", "event_id", NULL};
static const char *const names_created[] = {"eventTimestamp", "event_timestamp", NULL};
static const char *const names_sent[] = {"sentAt", "sent_at", NULL};
static const char *const names_page_url[] = {"pageUrl", "page_url", NULL};
static const char *const names_referrer[] = {"referrer", NULL};
static const char *const names_user_id[] = {"userId", "user_id", NULL};
static const char *const names_login[] = {"userLoginState", "user_login_state", "login_state",
                                          NULL};
static const char *const names_identity[] = {"identitySource", "identity_source", NULL};
static const char *const names_client_id[] = {"clientId", "client_id", NULL};
static const char *const names_session_id[] = {"sessionId", "session_id", NULL};
static const char *const names_first_visit[] = {"isFirstVisit", "is_first_visit", NULL};
static const char *const names_product[] = {"product", NULL};
static const char *const names_element[] = {"element", NULL};
static const char *const names_p_id[] = {"id", NULL};
static const char *const names_p_name[] = {"name", NULL};
static const char *const names_p_category[] = {"category", NULL};
static const char *const names_p_brand[] = {"brand", "brandName", NULL};
static const char *const names_p_price[] = {"price", NULL};
static const char *const names_p_discount[] = {"discountPrice", "discount_price", NULL};
static const char *const names_p_url_path[] = {"urlPath", "url_path", NULL};

/* ---- event name ------------------------------------------------------------------------ */

/* Checks an event name value; the message names the member it came from. */
static int check_name(const cJSON *v, const char *field, char *err, size_t errlen)
{
    if (!cJSON_IsString(v)) {
        sbw_err_set(err, errlen, "%s: expected a string, got %s", field, type_name(v));
        return -1;
    }
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n == 0 || n > SBW_EVENT_NAME_MAX) {
        sbw_err_set(err, errlen, "%s: must be 1 to %d bytes, got %zu", field, SBW_EVENT_NAME_MAX, n);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-')) {
            sbw_err_set(err, errlen, "%s: invalid character at byte %zu (allowed: A-Z a-z 0-9 _ . : -)",
                    field, i);
            return -1;
        }
    }
    return 0;
}

/* ---- numbers --------------------------------------------------------------------------- */

/* Writes sign + digits[0..nd) * 10^k as plain decimal text. digits has no leading zeros. */
static int plain_decimal(bool neg, const char *digits, size_t nd, long k, char *out, size_t outlen)
{
    while (nd > 0 && digits[nd - 1] == '0') { /* strip trailing zeros into the exponent */
        nd--;
        k++;
    }
    size_t o = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 >= outlen)                                                                       \
            return -2;                                                                             \
        out[o++] = (ch);                                                                           \
    } while (0)
    if (nd == 0) {
        PUT('0');
        out[o] = '\0';
        return 0;
    }
    if (neg)
        PUT('-');
    if (k >= 0) {
        for (size_t i = 0; i < nd; i++)
            PUT(digits[i]);
        for (long i = 0; i < k; i++)
            PUT('0');
    } else {
        long point = (long)nd + k; /* digits before the decimal point */
        if (point > 0) {
            for (long i = 0; i < point; i++)
                PUT(digits[i]);
            PUT('.');
            for (size_t i = (size_t)point; i < nd; i++)
                PUT(digits[i]);
        } else {
            PUT('0');
            PUT('.');
            for (long i = 0; i < -point; i++)
                PUT('0');
            for (size_t i = 0; i < nd; i++)
                PUT(digits[i]);
        }
    }
#undef PUT
    out[o] = '\0';
    return 0;
}

/* Parses a decimal number text [+-]digits[.digits][(e|E)[+-]digits] into canonical text. */
static int decimal_from_text(const char *s, char *out, size_t outlen)
{
    char digits[64];
    size_t nd = 0;
    long k = 0;
    bool neg = false, any = false;
    const char *p = s;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++) {
        any = true;
        if (nd == 0 && *p == '0')
            continue; /* leading zero */
        if (nd == sizeof digits)
            return -1;
        digits[nd++] = *p;
    }
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9'; p++) {
            any = true;
            k--;
            if (nd == 0 && *p == '0')
                continue;
            if (nd == sizeof digits)
                return -1;
            digits[nd++] = *p;
        }
    }
    if (!any)
        return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        long e = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (e < 100000)
                e = e * 10 + (*p - '0');
        }
        k += eneg ? -e : e;
    }
    if (*p != '\0')
        return -1;
    /* Magnitude check: value <= 1e15 (= 1 followed by 15 zeros). */
    size_t t = nd;
    long kk = k;
    while (t > 0 && digits[t - 1] == '0') {
        t--;
        kk++;
    }
    if (t > 0) {
        long int_digits = (long)t + kk; /* digits before the point */
        if (int_digits > 16 || (int_digits == 16 && !(t == 1 && digits[0] == '1')))
            return -2;
    }
    return plain_decimal(neg, digits, nd, k, out, outlen);
}

int sbw_event_decimal(const cJSON *v, char *out, size_t outlen)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!isfinite(d) || fabs(d) > SBW_EVENT_NUMBER_MAX)
            return -2;
        char txt[40];
        /* The fewest significant digits that read back as the same double. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(txt, sizeof txt, "%.*e", prec - 1, d);
            if (strtod(txt, NULL) == d)
                break;
        }
        return decimal_from_text(txt, out, outlen);
    }
    if (cJSON_IsString(v)) {
        if (strlen(v->valuestring) > 60)
            return -1;
        return decimal_from_text(v->valuestring, out, outlen);
    }
    return -1;
}

/* ---- times ----------------------------------------------------------------------------- */

/* Epoch number (ms when >= 1e11, else seconds) to ms. */
static int time_from_number(double d, int64_t *out_ms)
{
    if (!isfinite(d) || d < 0 || d >= 253402300800000.0) /* year 10000 in ms */
        return -1;
    if (d < 1e11)
        d *= 1000.0;
    *out_ms = (int64_t)floor(d);
    return 0;
}

int sbw_event_time_value(const cJSON *v, int64_t *out_ms)
{
    if (cJSON_IsNumber(v))
        return time_from_number(v->valuedouble, out_ms);
    if (!cJSON_IsString(v))
        return -1;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (n > 0 && n <= 16 && strspn(s, "0123456789") == n)
        return time_from_number(strtod(s, NULL), out_ms);
    return sbw_time_parse_iso(s, out_ms);
}

/* ---- UUIDs ----------------------------------------------------------------------------- */

bool sbw_event_uuid_valid(const char *s)
{
    static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    if (!s)
        return false;
    bool nonzero = false;
    for (size_t i = 0; i < sizeof pattern - 1; i++) {
        char c = s[i];
        if (pattern[i] == '-') {
            if (c != '-')
                return false;
            continue;
        }
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
        if (c != '0')
            nonzero = true;
    }
    return s[sizeof pattern - 1] == '\0' && nonzero;
}

static void uuid_lower(const char *in, char out[SBW_UUID_SIZE])
{
    for (int i = 0; i < SBW_UUID_SIZE - 1; i++) {
        char c = in[i];
        out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    out[SBW_UUID_SIZE - 1] = '\0';
}

void sbw_event_uuid_v5(const char *name, size_t len, char out[SBW_UUID_SIZE])
{
    uuid_t ns, u;
    uuid_parse(SBW_UUID_NAMESPACE, ns);
    uuid_generate_sha1(u, ns, name, len);
    uuid_unparse_lower(u, out);
}

/* ---- validation ------------------------------------------------------------------------ */

typedef struct {
    const sbw_limits_t *limits;
    char *err;
    size_t errlen;
    char path[256];
} vctx_t;

/* Appends ".name" or "[i]" to the path (cut to fit); returns the previous length to restore.
 * Plain copies: this runs for every member of every event. */
static size_t path_push_name(vctx_t *c, const char *name)
{
    size_t old = strlen(c->path), n = strlen(name), at = old;
    int cut = n > 40;
    if (cut)
        n = 40;
    if (old + n + 5 >= sizeof c->path)
        return old;
    if (old)
        c->path[at++] = '.';
    memcpy(c->path + at, name, n);
    at += n;
    if (cut) {
        memcpy(c->path + at, "...", 3);
        at += 3;
    }
    c->path[at] = '\0';
    return old;
}

static size_t path_push_index(vctx_t *c, int i)
{
    size_t old = strlen(c->path);
    snprintf(c->path + old, sizeof c->path - old, "[%d]", i);
    return old;
}

static const char *path_or(const vctx_t *c)
{
    return c->path[0] ? c->path : "event";
}

/* Where a text problem is, for the message (built only when there is a problem). */
static void text_where(const vctx_t *c, bool key, char *where, size_t len)
{
    if (key)
        snprintf(where, len, "%s%smember name", c->path, c->path[0] ? ": " : "");
    else
        snprintf(where, len, "%s", path_or(c));
}

/* Checks a string value (key = false; the message names the path) or a member name of the
 * object at the current path (key = true: "member name: ..." or "product: member name: ..."). */
static int check_text(vctx_t *c, const char *s, size_t max, bool key)
{
    size_t n = strlen(s), bad;
    char where[300];
    if (!sbw_utf8_valid(s, n, &bad)) {
        text_where(c, key, where, sizeof where);
        sbw_err_set(c->err, c->errlen, "%s: invalid UTF-8 at byte %zu", where, bad);
        return -1;
    }
    if (n > max) {
        text_where(c, key, where, sizeof where);
        sbw_err_set(c->err, c->errlen, "%s: %zu bytes exceeds the limit of %zu", where, n, max);
        return -1;
    }
    return 0;
}

/* Generic checks over the whole tree: depth, UTF-8 and length of strings and member names,
 * finite numbers. str_max: the length limit for v when it is a string (URL members get more). */
static int walk(vctx_t *c, const cJSON *v, int depth, size_t str_max)
{
    if (cJSON_IsString(v))
        return check_text(c, v->valuestring, str_max, false);
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) {
            sbw_err_set(c->err, c->errlen, "%s: number out of range", path_or(c));
            return -1;
        }
        return 0;
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return 0;
    if (depth > c->limits->max_depth) {
        sbw_err_set(c->err, c->errlen, "%s: nesting deeper than %d levels", path_or(c),
                c->limits->max_depth);
        return -1;
    }
    int i = 0;
    for (const cJSON *ch = v->child; ch; ch = ch->next, i++) {
        size_t old;
        size_t max = c->limits->max_string_bytes;
        if (cJSON_IsObject(v)) {
            const char *k = ch->string ? ch->string : "";
            if (check_text(c, k, c->limits->max_string_bytes, true) != 0)
                return -1;
            old = path_push_name(c, k);
            if (depth == 1 && (strcmp(k, "pageUrl") == 0 || strcmp(k, "page_url") == 0 ||
                               strcmp(k, "referrer") == 0))
                max = c->limits->max_url_bytes;
        } else {
            old = path_push_index(c, i);
        }
        int rc = walk(c, ch, depth + 1, max);
        c->path[old] = '\0';
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Type checks of the known members of obj (a table ending with a NULL name). prefix: "" or
 * "product." for messages. */
/* A 64-bit sketch of member names (first byte and length): a field whose bit is not set in
 * the object's mask is certainly absent, so most of the table's names (an event carries either
 * the camelCase or the snake_case spelling, and few optional fields) cost no lookup. */
static uint64_t name_bit(const char *s)
{
    return 1ull << (((unsigned)(unsigned char)s[0] * 31u + (unsigned)strlen(s)) % 64u);
}

/* Type check of one known member's value v (not null). */
static int check_field(vctx_t *c, const field_t *f, const cJSON *v, const char *prefix)
{
    switch (f->type) {
    case F_NAME:
        break; /* checked by the caller */
    case F_STRING:
    case F_URL:
        if (!cJSON_IsString(v)) {
            sbw_err_set(c->err, c->errlen, "%s%s: expected a string, got %s", prefix, f->name,
                    type_name(v));
            return -1;
        }
        break;
    case F_BOOL:
        if (!cJSON_IsBool(v)) {
            sbw_err_set(c->err, c->errlen, "%s%s: expected true, false or null, got %s", prefix,
                    f->name, type_name(v));
            return -1;
        }
        break;
    case F_TIME: {
        int64_t ms;
        if (cJSON_IsString(v) && v->valuestring[0] == '\0')
            break; /* "" counts as null */
        if (sbw_event_time_value(v, &ms) != 0) {
            sbw_err_set(c->err, c->errlen, "%s%s: expected an ISO 8601 time or epoch milliseconds",
                    prefix, f->name);
            return -1;
        }
        break;
    }
    case F_PRICE: {
        char txt[64];
        if (cJSON_IsString(v) && v->valuestring[0] == '\0')
            break; /* "" counts as null */
        if (cJSON_IsNumber(v) && fabs(v->valuedouble) <= SBW_EVENT_NUMBER_MAX)
            break; /* the common case; no need to render it here */
        int rc = sbw_event_decimal(v, txt, sizeof txt);
        if (rc == -2) {
            sbw_err_set(c->err, c->errlen, "%s%s: number out of range (limit 1e15)", prefix,
                    f->name);
            return -1;
        }
        if (rc != 0) {
            sbw_err_set(c->err, c->errlen, "%s%s: expected a number, got %s", prefix, f->name,
                    cJSON_IsString(v) ? "a non-numeric string" : type_name(v));
            return -1;
        }
        break;
    }
    case F_OBJECT:
        if (!cJSON_IsObject(v)) {
            sbw_err_set(c->err, c->errlen, "%s%s: expected an object or null, got %s", prefix,
                    f->name, type_name(v));
            return -1;
        }
        break;
    }
    return 0;
}

static int check_fields(vctx_t *c, const cJSON *obj, const field_t *fields, const char *prefix)
{
    uint64_t present = 0;
    for (const cJSON *ch = obj->child; ch; ch = ch->next)
        if (ch->string)
            present |= name_bit(ch->string);
    for (const field_t *f = fields; f->name; f++) {
        if (!(present & name_bit(f->name)))
            continue;
        const cJSON *v = member(obj, f->name);
        if (!v || cJSON_IsNull(v))
            continue;
        if (check_field(c, f, v, prefix) != 0)
            return -1;
    }
    return 0;
}

int sbw_event_validate(const cJSON *obj, const sbw_limits_t *limits, char *err, size_t errlen)
{
    vctx_t c = {.limits = limits, .err = err, .errlen = errlen};
    if (!cJSON_IsObject(obj)) {
        sbw_err_set(err, errlen, "expected a JSON object, got %s", obj ? type_name(obj) : "nothing");
        return -1;
    }
    if (walk(&c, obj, 1, limits->max_string_bytes) != 0)
        return -1;
    const cJSON *name = first_of(obj, names_event_name);
    if (!name) {
        sbw_err_set(err, errlen, "eventName missing");
        return -1;
    }
    for (const char *const *n = names_event_name; *n; n++) {
        const cJSON *v = member(obj, *n);
        if (v && !cJSON_IsNull(v) && check_name(v, *n, err, errlen) != 0)
            return -1;
    }
    if (check_fields(&c, obj, top_fields, "") != 0)
        return -1;
    const cJSON *product = member(obj, "product");
    if (cJSON_IsObject(product) && check_fields(&c, product, product_fields, "product.") != 0)
        return -1;
    const cJSON *element = member(obj, "element");
    if (cJSON_IsObject(element) && check_fields(&c, element, element_fields, "element.") != 0)
        return -1;
    return 0;
}

/* ---- verbatim scan --------------------------------------------------------------------- */

/* The first occurrence of a known member, as the scan saw it. */
typedef struct {
    const char *s; /* value bytes (a string: between the quotes) */
    size_t n;
    int type;      /* cJSON_String, cJSON_Number, ... ; 0: absent */
    bool escaped;  /* a string with backslash escapes */
} sval_t;

#define N_TOP (sizeof top_fields / sizeof *top_fields - 1)
#define N_PRODUCT (sizeof product_fields / sizeof *product_fields - 1)
#define N_ELEMENT (sizeof element_fields / sizeof *element_fields - 1)
#define SCAN_MAX_DEPTH 64 /* hard bound of the scan's recursion, whatever the limits say */

_Static_assert(N_TOP <= 32 && N_PRODUCT <= 32 && N_ELEMENT <= 32, "one bit per field in scan_t.have");

typedef struct {
    const char *p, *end;
    const sbw_limits_t *limits;
    /* have[level - LV_TOP]: bit i set = slot i of that level holds the first occurrence of
     * field i. Slots without their bit are never read, so they need no clearing per event. */
    uint32_t have[3];
    bool seen_product, seen_element, ingest;
    sval_t top[N_TOP], product[N_PRODUCT], element[N_ELEMENT];
} scan_t;

enum { LV_NONE, LV_TOP, LV_PRODUCT, LV_ELEMENT };

static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void sc_ws(scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
        s->p++;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* The checks at a string's closing quote (at close), and the value into out: the unescaped
 * length (raw bytes minus saved) within max, valid UTF-8 when a byte had its high bit. */
static inline bool sc_string_end(scan_t *s, const char *close, size_t saved, bool high, bool esc,
                                 size_t max, sval_t *out)
{
    const char *start = s->p + 1;
    size_t raw = (size_t)(close - start);
    if (raw - saved > max || (high && !sbw_utf8_valid(start, raw, NULL)))
        return false;
    out->s = start;
    out->n = raw;
    out->type = cJSON_String;
    out->escaped = esc;
    s->p = close + 1;
    return true;
}

/* The rest of a string from p, the first byte that is '"', '\\' or a control character (or
 * the end): escapes, errors and the checks at the closing quote. Off the hot path: most
 * strings have no escape, and sc_string finishes those itself. */
static bool sc_string_rest(scan_t *s, const char *p, size_t max, bool key, sval_t *out,
                           bool high)
{
    const char *end = s->end;
    size_t saved = 0; /* raw bytes minus unescaped bytes */
    bool esc = false;
    for (;;) {
        while (p < end && (unsigned char)*p >= 0x20 && *p != '"' && *p != '\\') {
            high |= (unsigned char)*p >= 0x80;
            p++;
        }
        if (p >= end || (unsigned char)*p < 0x20)
            return false;
        if (*p == '"')
            break;
        if (key || end - p < 2) /* a backslash */
            return false;
        esc = true;
        char e = p[1];
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
            e == 't') {
            saved += 1;
            p += 2;
            continue;
        }
        if (e != 'u' || end - p < 6)
            return false;
        int cp = hex4(p + 2);
        if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
            return false; /* \u0000 would cut the C string; a lone low surrogate is an error */
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
                return false;
            int lo = hex4(p + 8);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return false;
            saved += 12 - 4;
            p += 12;
            continue;
        }
        saved += 6 - (cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
        p += 6;
    }
    return sc_string_end(s, p, saved, high, esc, max, out);
}

/* A string at s->p (the opening quote). Accepts only what cJSON reads to the same text that
 * sbw_event_validate checks: no raw control characters, only standard escapes, no \u0000 and
 * no unpaired surrogate; member names (key) without escapes. The unescaped length must be
 * within max and the text valid UTF-8 (checked on the raw bytes: escapes are ASCII and
 * produce whole characters, so the raw text is valid exactly when the unescaped one is).
 * The common case (no escape before the closing quote) is finished here; anything else goes
 * on in sc_string_rest from the first byte that is not plain text. */
static inline bool sc_string(scan_t *s, size_t max, bool key, sval_t *out)
{
    const char *start = s->p + 1, *p = start, *end = s->end;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t high = 0; /* the high bits of every byte before p, OR'ed */
    /* Eight bytes at a time while none is '"', '\\' or a control character. */
    while (end - p >= 8) {
        uint64_t w = load8(p);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t special =
            (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w)) & highs;
        if (special) {
            /* The lowest flagged byte is exactly the first special one (the borrows of these
             * tests only ever flag bytes above a true hit): step to it, noting non-ASCII
             * bytes before it. */
            unsigned k = (unsigned)__builtin_ctzll(special);
            high |= w & highs & ((UINT64_C(1) << (k & ~7u)) - 1);
            p += k / 8;
            if (*p != '"')
                return sc_string_rest(s, p, max, key, out, high != 0);
            return sc_string_end(s, p, 0, high != 0, false, max, out);
        }
        high |= w & highs;
        p += 8;
    }
    return sc_string_rest(s, p, max, key, out, high != 0);
}

/* A number in strict JSON syntax, at most 60 bytes (cJSON reads the same text with strtod);
 * with an exponent it must be finite. */
static bool sc_number(scan_t *s, sval_t *out)
{
    const char *p = s->p, *end = s->end;
    bool exp = false;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        return false;
    }
    if (p < end && *p == '.') {
        p++;
        if (!(p < end && *p >= '0' && *p <= '9'))
            return false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        exp = true;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p < end && *p >= '0' && *p <= '9'))
            return false;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t n = (size_t)(p - s->p);
    if (n > 60)
        return false;
    if (exp) {
        char buf[64];
        memcpy(buf, s->p, n);
        buf[n] = '\0';
        if (!isfinite(strtod(buf, NULL)))
            return false;
    }
    out->s = s->p;
    out->n = n;
    out->type = cJSON_Number;
    out->escaped = false;
    s->p = p;
    return true;
}

static bool sc_literal(scan_t *s, const char *word, int type, sval_t *out)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    out->s = s->p;
    out->n = n;
    out->type = type;
    out->escaped = false;
    s->p += n;
    return true;
}

/* Member names are looked up for every member of every event: through a small hash of
 * (length, first byte, last byte) per table, built once. A slot holds the field's index + 1,
 * 0 for no field, or FIELD_HASH_SCAN when two names share it (then the table is scanned). */
#define FIELD_HASH_SIZE 256
#define FIELD_HASH_SCAN 255
static unsigned char field_hash[3][FIELD_HASH_SIZE];
/* Indices in top_fields the scanner treats specially (set with the hash), and the bits of the
 * event-name fields. */
static int top_page_url, top_page_url2, top_referrer, top_product, top_element, top_event_id,
    top_event_id2;
static uint32_t top_name_bits;

static unsigned field_hash_of(const char *k, size_t n)
{
    /* The multipliers leave no two names of a table in one slot (no FIELD_HASH_SCAN). */
    return (unsigned)(n * 31u + (unsigned char)k[0] * 13u + (unsigned char)k[n - 1]) %
           FIELD_HASH_SIZE;
}

static const field_t *const field_tables[3] = {top_fields, product_fields, element_fields};

/* Index of member name k[0..n) in field table t (0 top, 1 product, 2 element), or -1. */
static int field_index(int t, const char *k, size_t n);

static inline uint32_t load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Equal bytes? Names are short: whole words (the last one overlapping), never past n. */
static inline bool bytes_eq(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t j = 0; j + 8 < n; j += 8)
            if (load8(a + j) != load8(b + j))
                return false;
        return load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4)
        return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    for (size_t j = 0; j < n; j++)
        if (a[j] != b[j])
            return false;
    return true;
}

/* Built before main (no lock on the hot path; the tables are constant afterwards). */
__attribute__((constructor)) static void field_hash_build(void)
{
    for (int t = 0; t < 3; t++)
        for (int i = 0; field_tables[t][i].name; i++) {
            unsigned h = field_hash_of(field_tables[t][i].name, field_tables[t][i].len);
            field_hash[t][h] = field_hash[t][h] ? FIELD_HASH_SCAN : (unsigned char)(i + 1);
        }
    top_page_url = field_index(0, "pageUrl", 7);
    top_page_url2 = field_index(0, "page_url", 8);
    top_referrer = field_index(0, "referrer", 8);
    top_product = field_index(0, "product", 7);
    top_element = field_index(0, "element", 7);
    top_event_id = field_index(0, "eventId", 7);
    top_event_id2 = field_index(0, "event_id", 8);
    for (int i = 0; top_fields[i].name; i++)
        if (top_fields[i].type == F_NAME)
            top_name_bits |= UINT32_C(1) << i;
}

static int field_index(int t, const char *k, size_t n)
{
    if (n == 0)
        return -1;
    const field_t *fields = field_tables[t];
    unsigned char slot = field_hash[t][field_hash_of(k, n)];
    if (slot == 0)
        return -1;
    if (slot != FIELD_HASH_SCAN) {
        const field_t *f = &fields[slot - 1];
        return f->len == n && bytes_eq(f->name, k, n) ? slot - 1 : -1;
    }
    for (int i = 0; fields[i].name; i++)
        if (fields[i].len == n && fields[i].name[0] == k[0] && bytes_eq(fields[i].name, k, n))
            return i;
    return -1;
}

#define key_is(k, lit) ((k)->n == sizeof(lit) - 1 && memcmp((k)->s, lit, sizeof(lit) - 1) == 0)

static bool sc_value(scan_t *s, int depth, size_t str_max, int level, sval_t *out);

/* An object at s->p ('{') of the given depth; level says which member table it fills. */
static bool sc_object(scan_t *s, int depth, int level)
{
    if (depth > s->limits->max_depth || depth > SCAN_MAX_DEPTH)
        return false;
    sval_t *slots = level == LV_TOP       ? s->top
                    : level == LV_PRODUCT ? s->product
                    : level == LV_ELEMENT ? s->element
                                          : NULL;
    int t = level - LV_TOP; /* the field table and have[] of this level, when slots */
    s->p++;
    sc_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        sval_t k, scratch;
        if (s->p >= s->end || *s->p != '"' ||
            !sc_string(s, s->limits->max_string_bytes, true, &k))
            return false;
        sc_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return false;
        s->p++;
        sc_ws(s);
        size_t max = s->limits->max_string_bytes;
        int child = LV_NONE;
        int i = slots ? field_index(t, k.s, k.n) : -1;
        if (level == LV_TOP) {
            if (i >= 0 && (i == top_page_url || i == top_page_url2 || i == top_referrer))
                max = s->limits->max_url_bytes;
            else if (i >= 0 && i == top_product && !s->seen_product) {
                s->seen_product = true;
                child = LV_PRODUCT;
            } else if (i >= 0 && i == top_element && !s->seen_element) {
                s->seen_element = true;
                child = LV_ELEMENT;
            } else if (i < 0 && key_is(&k, "_ingest"))
                s->ingest = true;
        }
        /* cJSON finds the first of duplicate members: a field's first value is scanned
         * straight into its slot (a copy afterwards stalled on the value's fresh stores). */
        bool first = i >= 0 && !(s->have[t] >> i & 1);
        if (!sc_value(s, depth + 1, max, child, first ? &slots[i] : &scratch))
            return false;
        if (first)
            s->have[t] |= UINT32_C(1) << i;
        sc_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            sc_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            return true;
        }
        return false;
    }
}

static bool sc_array(scan_t *s, int depth)
{
    if (depth > s->limits->max_depth || depth > SCAN_MAX_DEPTH)
        return false;
    s->p++;
    sc_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        sval_t v;
        if (!sc_value(s, depth + 1, s->limits->max_string_bytes, LV_NONE, &v))
            return false;
        sc_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            sc_ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return true;
        }
        return false;
    }
}

static bool sc_value(scan_t *s, int depth, size_t str_max, int level, sval_t *out)
{
    if (s->p >= s->end)
        return false;
    const char *start = s->p;
    switch (*s->p) {
    case '"':
        return sc_string(s, str_max, false, out);
    case '{':
        if (!sc_object(s, depth, level))
            return false;
        out->type = cJSON_Object;
        break;
    case '[':
        if (!sc_array(s, depth))
            return false;
        out->type = cJSON_Array;
        break;
    case 't':
        return sc_literal(s, "true", cJSON_True, out);
    case 'f':
        return sc_literal(s, "false", cJSON_False, out);
    case 'n':
        return sc_literal(s, "null", cJSON_NULL, out);
    default:
        return sc_number(s, out);
    }
    out->s = start;
    out->n = (size_t)(s->p - start);
    out->escaped = false;
    return true;
}

/* The cJSON node cJSON would have built for a scanned value, as far as the contract's checks
 * read it (type, valuestring, valuedouble). buf (64 bytes) holds the text. Returns false when
 * the text is not available: escaped or longer than 60 bytes (the caller falls back). */
static bool sval_node(const sval_t *v, cJSON *node, char buf[64])
{
    memset(node, 0, sizeof *node);
    node->type = v->type;
    if (v->type != cJSON_String && v->type != cJSON_Number)
        return true;
    if (v->escaped || v->n > 60)
        return false;
    memcpy(buf, v->s, v->n);
    buf[v->n] = '\0';
    if (v->type == cJSON_String)
        node->valuestring = buf;
    else
        node->valuedouble = strtod(buf, NULL);
    return true;
}

/* check_fields over the scanned first occurrences (the slots whose bit is in have). */
static bool sc_check_fields(vctx_t *c, const sval_t *slots, uint32_t have, const field_t *fields)
{
    for (; have != 0; have &= have - 1) {
        int i = __builtin_ctz(have);
        const sval_t *v = &slots[i];
        if (v->type == cJSON_NULL)
            continue;
        if (fields[i].type == F_STRING || fields[i].type == F_URL) {
            if (v->type != cJSON_String)
                return false;
            continue;
        }
        if (fields[i].type == F_PRICE && v->type == cJSON_Number &&
            v->n <= 15 && !memchr(v->s, '.', v->n) && !memchr(v->s, 'e', v->n) &&
            !memchr(v->s, 'E', v->n))
            continue; /* at most 15 digits, no fraction or exponent: within 1e15 */
        cJSON node;
        char buf[64];
        if (!sval_node(v, &node, buf) || check_field(c, &fields[i], &node, "") != 0)
            return false;
    }
    return true;
}

/* Top-level field i was present with a value of this cJSON type? */
static bool sc_have(const scan_t *s, int i, int type)
{
    return (s->have[0] >> i & 1) && s->top[i].type == type;
}

int sbw_event_scan(const char *src, size_t len, const sbw_limits_t *limits, bool *client_sent_id)
{
    size_t used;
    return sbw_event_scan_prefix(src, len, limits, client_sent_id, &used) == 1 && used == len;
}

int sbw_event_scan_prefix(const char *src, size_t len, const sbw_limits_t *limits,
                          bool *client_sent_id, size_t *used)
{
    scan_t s; /* the slots are left uninitialised: only those with their have bit are read */
    s.p = src;
    s.end = src + len;
    s.limits = limits;
    s.have[0] = s.have[1] = s.have[2] = 0;
    s.seen_product = s.seen_element = s.ingest = false;
    *client_sent_id = false;
    *used = 0;
    if (len == 0 || *src != '{' || !sc_object(&s, 1, LV_TOP) || s.ingest)
        return 0;
    *used = (size_t)(s.p - src);
    /* The event name: first_of(eventName, event_name), each present one checked. */
    bool named = false;
    for (uint32_t m = s.have[0] & top_name_bits; m != 0; m &= m - 1) {
        int i = __builtin_ctz(m);
        if (s.top[i].type == cJSON_NULL)
            continue;
        cJSON node;
        char buf[64];
        if (!sval_node(&s.top[i], &node, buf) ||
            check_name(&node, top_fields[i].name, NULL, 0) != 0)
            return 0;
        named = true;
    }
    vctx_t c = {.limits = limits, .err = NULL, .errlen = 0};
    if (!named || !sc_check_fields(&c, s.top, s.have[0], top_fields))
        return 0;
    if (sc_have(&s, top_product, cJSON_Object) &&
        !sc_check_fields(&c, s.product, s.have[LV_PRODUCT - LV_TOP], product_fields))
        return 0;
    if (sc_have(&s, top_element, cJSON_Object) &&
        !sc_check_fields(&c, s.element, s.have[LV_ELEMENT - LV_TOP], element_fields))
        return 0;
    *client_sent_id = (sc_have(&s, top_event_id, cJSON_String) && s.top[top_event_id].n > 0) ||
                      (sc_have(&s, top_event_id2, cJSON_String) && s.top[top_event_id2].n > 0);
    return 1;
}

/* ---- normalisation --------------------------------------------------------------------- */

void sbw_event_cleanup(sbw_event_t *ev)
{
    if (!ev)
        return;
    char **strs[] = {&ev->event_name,
                     &ev->user_id,
                     &ev->user_login_state,
                     &ev->identity_source,
                     &ev->client_id,
                     &ev->session_id,
                     &ev->context_product_id,
                     &ev->context_product_name,
                     &ev->context_product_category,
                     &ev->context_product_brand,
                     &ev->context_product_price,
                     &ev->context_product_discount_price,
                     &ev->context_product_url_path,
                     &ev->page_url,
                     &ev->referrer,
                     &ev->element,
                     &ev->user_agent,
                     &ev->source_ip,
                     &ev->client_event_id,
                     &ev->raw_object_key};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
    memset(ev, 0, sizeof *ev);
    ev->is_first_visit = SBW_TRI_UNKNOWN;
}

typedef struct {
    bool oom;
} nctx_t;

/* An owned copy of text with invalid UTF-8 replaced; NULL for empty text. */
static char *dup_text(nctx_t *c, const char *s, size_t max)
{
    if (!s || !*s)
        return NULL;
    char *d = sbw_utf8_sanitize(s, strlen(s), max);
    if (!d)
        c->oom = true;
    return d;
}

/* The string column from the first non-null of names; a value of another type is NULL. */
static char *col_str(nctx_t *c, const cJSON *obj, const char *const *names)
{
    const cJSON *v = first_of(obj, names);
    if (!cJSON_IsString(v))
        return NULL;
    return dup_text(c, v->valuestring, (size_t)-1);
}

static char *col_price(nctx_t *c, const cJSON *obj, const char *const *names)
{
    char txt[64];
    const cJSON *v = first_of(obj, names);
    if (!v || sbw_event_decimal(v, txt, sizeof txt) != 0)
        return NULL;
    char *d = strdup(txt);
    if (!d)
        c->oom = true;
    return d;
}

static int derive_event_id(const cJSON *obj, const cJSON *ingest, const char *object_key,
                           int record_index, sbw_event_t *out, nctx_t *c, char *err, size_t errlen)
{
    const cJSON *cid = first_of(obj, names_event_id);
    if (cJSON_IsString(cid) && cid->valuestring[0]) {
        const char *id = cid->valuestring;
        if (sbw_event_uuid_valid(id)) {
            uuid_lower(id, out->event_id);
            return 0;
        }
        const cJSON *client = first_of(obj, names_client_id);
        const char *cl = cJSON_IsString(client) ? client->valuestring : "";
        size_t a = strlen(cl), b = strlen(id);
        char *name = malloc(a + b + 2);
        if (!name) {
            c->oom = true;
            return 0;
        }
        memcpy(name, cl, a);
        name[a] = '\n';
        memcpy(name + a + 1, id, b + 1);
        sbw_event_uuid_v5(name, a + b + 1, out->event_id);
        free(name);
        out->client_event_id = dup_text(c, id, (size_t)-1);
        return 0;
    }
    const cJSON *sid = member(ingest, "eventId");
    if (cJSON_IsString(sid) && sbw_event_uuid_valid(sid->valuestring)) {
        uuid_lower(sid->valuestring, out->event_id);
        return 0;
    }
    if (!object_key) {
        sbw_err_set(err, errlen,
                "no event id: neither the client nor the ingest assigned one, and no "
                "object key to derive one from");
        return -1;
    }
    size_t a = strlen(object_key);
    char *name = malloc(a + 16);
    if (!name) {
        c->oom = true;
        return 0;
    }
    int n = snprintf(name, a + 16, "%s\n%d", object_key, record_index);
    sbw_event_uuid_v5(name, (size_t)n, out->event_id);
    free(name);
    return 0;
}

/* event_timestamp rules: see docs/event-contract.md. */
static int64_t derive_event_time(const cJSON *obj, bool have_received, int64_t received,
                                 int64_t now_ms)
{
    int64_t created = 0, sent = 0;
    bool have_created = sbw_event_time_value(first_of(obj, names_created), &created) == 0;
    bool have_sent = sbw_event_time_value(first_of(obj, names_sent), &sent) == 0;
    if (have_received) {
        int64_t t = received;
        if (have_created && have_sent) {
            t = received - (sent - created);
            if (t > received + SKEW_AHEAD_MS || t < received - SKEW_BEHIND_MS)
                t = received;
        }
        return t;
    }
    if (have_created && created >= PLAUSIBLE_MIN_MS && created <= now_ms + SKEW_AHEAD_MS)
        return created;
    return now_ms;
}

int sbw_event_normalise(const cJSON *obj, const char *object_key, int record_index, int64_t now_ms,
                        sbw_event_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->is_first_visit = SBW_TRI_UNKNOWN;
    nctx_t c = {0};
    if (!cJSON_IsObject(obj)) {
        sbw_err_set(err, errlen, "expected a JSON object, got %s", obj ? type_name(obj) : "nothing");
        return -1;
    }
    const cJSON *name = first_of(obj, names_event_name);
    if (!name) {
        sbw_err_set(err, errlen, "eventName missing");
        return -1;
    }
    if (check_name(name, name == member(obj, "eventName") ? "eventName" : "event_name", err,
                   errlen) != 0)
        return -1;
    const cJSON *ingest = member(obj, "_ingest");
    if (!cJSON_IsObject(ingest))
        ingest = NULL;

    if (derive_event_id(obj, ingest, object_key, record_index, out, &c, err, errlen) != 0)
        goto fail;

    int64_t received = 0;
    bool have_received =
        ingest && sbw_event_time_value(member(ingest, "receivedAt"), &received) == 0;
    out->received_at = have_received ? received : now_ms;
    out->event_timestamp = derive_event_time(obj, have_received, received, now_ms);

    out->event_name = strdup(name->valuestring);
    if (!out->event_name)
        c.oom = true;
    out->user_id = col_str(&c, obj, names_user_id);
    out->user_login_state = col_str(&c, obj, names_login);
    out->identity_source = col_str(&c, obj, names_identity);
    out->client_id = col_str(&c, obj, names_client_id);
    out->session_id = col_str(&c, obj, names_session_id);
    const cJSON *fv = first_of(obj, names_first_visit);
    if (cJSON_IsBool(fv))
        out->is_first_visit = cJSON_IsTrue(fv) ? SBW_TRI_TRUE : SBW_TRI_FALSE;

    const cJSON *product = first_of(obj, names_product);
    if (cJSON_IsObject(product)) {
        out->context_product_id = col_str(&c, product, names_p_id);
        out->context_product_name = col_str(&c, product, names_p_name);
        out->context_product_category = col_str(&c, product, names_p_category);
        out->context_product_brand = col_str(&c, product, names_p_brand);
        out->context_product_price = col_price(&c, product, names_p_price);
        out->context_product_discount_price = col_price(&c, product, names_p_discount);
        out->context_product_url_path = col_str(&c, product, names_p_url_path);
    }
    out->page_url = col_str(&c, obj, names_page_url);
    out->referrer = col_str(&c, obj, names_referrer);
    const cJSON *element = first_of(obj, names_element);
    if (cJSON_IsObject(element)) {
        char *txt = cJSON_PrintUnformatted(element);
        if (!txt) {
            c.oom = true;
        } else {
            out->element = dup_text(&c, txt, (size_t)-1);
            cJSON_free(txt);
        }
    }

    if (ingest) {
        const cJSON *ua = member(ingest, "userAgent");
        const char *ua_s = cJSON_IsString(ua) ? ua->valuestring : NULL;
        out->user_agent = dup_text(&c, ua_s, SBW_USER_AGENT_MAX);
        const cJSON *ip = member(ingest, "sourceIp");
        char anon[SBW_IP_SIZE];
        if (cJSON_IsString(ip) && sbw_enrich_ip_anonymise(ip->valuestring, anon, sizeof anon) == 0)
            out->source_ip = dup_text(&c, anon, sizeof anon);
        const cJSON *bot = member(ingest, "isBot");
        out->is_bot = cJSON_IsBool(bot) ? cJSON_IsTrue(bot) : sbw_enrich_is_bot(ua_s);
    }
    if (object_key)
        out->raw_object_key = dup_text(&c, object_key, (size_t)-1);

    if (c.oom) {
        sbw_err_set(err, errlen, "out of memory");
        goto fail;
    }
    return 0;
fail:
    sbw_event_cleanup(out);
    return -1;
}
