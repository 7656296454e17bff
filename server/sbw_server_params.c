/* sbw_server_params: query parameters of the API, parsed and validated (see the header). */
#include "sbw_server_params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *name;
    unsigned bit;
} names[] = {
    {"from", SBW_P_FROM},         {"to", SBW_P_TO},
    {"tz", SBW_P_TZ},             {"login_state", SBW_P_LOGIN_STATE},
    {"limit", SBW_P_LIMIT},       {"offset", SBW_P_OFFSET},
    {"format", SBW_P_FORMAT},     {"compare", SBW_P_COMPARE},
    {"metric", SBW_P_METRIC},     {"interval", SBW_P_INTERVAL},
    {"by", SBW_P_BY},             {"steps", SBW_P_STEPS},
    {"category", SBW_P_CATEGORY}, {"brand", SBW_P_BRAND},
    {"product_only", SBW_P_PRODUCT_ONLY}, {"sort", SBW_P_SORT},
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes s[0..n) into out (outlen bytes). Returns 0, or -1 when too long, a bad escape or
 * a control byte. */
static int decode(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return -1;
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int sbw_params_is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return 0;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

static long day_number(const char *s)
{
    struct tm tm = {0};
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    return (long)(timegm(&tm) / 86400);
}

long sbw_params_days_between(const char *a, const char *b)
{
    return day_number(b) - day_number(a);
}

void sbw_params_add_days(const char *d, long days, char out[11])
{
    time_t t = (time_t)(day_number(d) + days) * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static int one_of(const char *v, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

/* An event name as the contract allows: 1-64 of A-Z a-z 0-9 _ . : - */
static int is_event_name(const char *s)
{
    size_t l = strlen(s);
    if (l == 0 || l > 64)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("_.:-", s[i])))
            return 0;
    return 1;
}

/* An IANA-looking zone name: letters, digits, / _ + - (checked against the database later). */
static int is_tz_name(const char *s)
{
    size_t l = strlen(s);
    if (l == 0 || l > 63)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (!(isalnum((unsigned char)s[i]) || strchr("/_+-", s[i])))
            return 0;
    return 1;
}

static int parse_long(const char *v, long min, long max, long *out)
{
    if (!*v || strlen(v) > 9)
        return -1;
    for (const char *c = v; *c; c++)
        if (!isdigit((unsigned char)*c))
            return -1;
    long x = strtol(v, NULL, 10);
    if (x < min || x > max)
        return -1;
    *out = x;
    return 0;
}

static int check_range(const sbw_params_t *p, char *err, size_t errlen)
{
    long d = sbw_params_days_between(p->from, p->to);
    if (d < 0) {
        snprintf(err, errlen, "from: %s is after to (%s)", p->from, p->to);
        return -1;
    }
    if (d + 1 > SBW_PARAMS_MAX_DAYS) {
        snprintf(err, errlen, "to: the range %s .. %s is longer than %d days", p->from, p->to,
                 SBW_PARAMS_MAX_DAYS);
        return -1;
    }
    return 0;
}

#define BAD(...)                                                                                   \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

static int set_value(sbw_params_t *p, unsigned bit, const char *name, const char *v, char *err,
                     size_t errlen)
{
    static const char *const login_states[] = {"all", "logged_in", "anonymous", "guest", NULL};
    static const char *const formats[] = {"json", "csv", NULL};
    switch (bit) {
    case SBW_P_FROM:
    case SBW_P_TO:
        if (!sbw_params_is_date(v))
            BAD("%s: '%.40s' is not a date (YYYY-MM-DD)", name, v);
        memcpy(bit == SBW_P_FROM ? p->from : p->to, v, 11);
        return 0;
    case SBW_P_TZ:
        if (!is_tz_name(v))
            BAD("tz: '%.64s' is not a time zone name", v);
        snprintf(p->tz, sizeof p->tz, "%s", v);
        return 0;
    case SBW_P_LOGIN_STATE:
        if (!one_of(v, login_states))
            BAD("login_state: '%.40s' is not one of all, logged_in, anonymous, guest", v);
        snprintf(p->login_state, sizeof p->login_state, "%s", v);
        return 0;
    case SBW_P_LIMIT:
        if (parse_long(v, 1, SBW_PARAMS_MAX_LIMIT, &p->limit) != 0)
            BAD("limit: '%.40s' is not an integer in 1..%d", v, SBW_PARAMS_MAX_LIMIT);
        return 0;
    case SBW_P_OFFSET:
        if (parse_long(v, 0, SBW_PARAMS_MAX_OFFSET, &p->offset) != 0)
            BAD("offset: '%.40s' is not an integer in 0..%d", v, SBW_PARAMS_MAX_OFFSET);
        return 0;
    case SBW_P_FORMAT:
        if (!one_of(v, formats))
            BAD("format: '%.40s' is not one of json, csv", v);
        p->csv = strcmp(v, "csv") == 0;
        return 0;
    case SBW_P_COMPARE:
        if (strcmp(v, "previous_period") != 0 && strcmp(v, "none") != 0)
            BAD("compare: '%.40s' is not one of previous_period, none", v);
        p->compare = strcmp(v, "previous_period") == 0;
        return 0;
    case SBW_P_INTERVAL:
        if (strcmp(v, "day") != 0 && strcmp(v, "hour") != 0)
            BAD("interval: '%.40s' is not one of day, hour", v);
        snprintf(p->interval, sizeof p->interval, "%s", v);
        return 0;
    case SBW_P_METRIC:
    case SBW_P_BY:
    case SBW_P_SORT: {
        /* The endpoint checks the value against its own list. */
        char *dst = bit == SBW_P_METRIC ? p->metric : bit == SBW_P_BY ? p->by : p->sort;
        size_t l = strlen(v);
        if (l == 0 || l >= 32)
            BAD("%s: '%.40s' is not allowed", name, v);
        for (size_t i = 0; i < l; i++)
            if (!(islower((unsigned char)v[i]) || v[i] == '_'))
                BAD("%s: '%.40s' is not allowed", name, v);
        memcpy(dst, v, l + 1);
        return 0;
    }
    case SBW_P_CATEGORY:
    case SBW_P_BRAND: {
        char *dst = bit == SBW_P_CATEGORY ? p->category : p->brand;
        if (!*v || strlen(v) >= 128)
            BAD("%s: must be 1..127 characters", name);
        snprintf(dst, 128, "%s", v);
        return 0;
    }
    case SBW_P_PRODUCT_ONLY:
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            p->product_only = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
            p->product_only = 0;
        else
            BAD("product_only: '%.40s' is not one of true, false", v);
        return 0;
    case SBW_P_STEPS: {
        const char *s = v;
        p->nsteps = 0;
        for (;;) {
            const char *comma = strchr(s, ',');
            size_t l = comma ? (size_t)(comma - s) : strlen(s);
            if (p->nsteps == SBW_PARAMS_MAX_STEPS)
                BAD("steps: more than %d steps", SBW_PARAMS_MAX_STEPS);
            char step[65];
            if (l == 0 || l > 64)
                BAD("steps: step %d is empty or longer than 64 characters", p->nsteps + 1);
            memcpy(step, s, l);
            step[l] = '\0';
            if (!is_event_name(step))
                BAD("steps: '%.64s' is not an event name", step);
            for (int i = 0; i < p->nsteps; i++)
                if (strcmp(p->steps[i], step) == 0)
                    BAD("steps: '%.64s' appears twice", step);
            memcpy(p->steps[p->nsteps++], step, l + 1);
            if (!comma)
                break;
            s = comma + 1;
        }
        if (p->nsteps < 2)
            BAD("steps: a funnel needs 2..%d steps", SBW_PARAMS_MAX_STEPS);
        return 0;
    }
    }
    BAD("%s: unknown parameter", name);
}

int sbw_params_parse(const char *query, unsigned allowed, sbw_params_t *p, char *err,
                     size_t errlen)
{
    memset(p, 0, sizeof *p);
    snprintf(p->tz, sizeof p->tz, "UTC");
    snprintf(p->login_state, sizeof p->login_state, "all");
    snprintf(p->interval, sizeof p->interval, "day");
    p->limit = -1;
    if (!query || !*query)
        return 0;
    if (strlen(query) > SBW_PARAMS_MAX_QUERY)
        BAD("query: longer than %d bytes", SBW_PARAMS_MAX_QUERY);
    const char *s = query;
    while (*s) {
        const char *amp = strchr(s, '&');
        size_t l = amp ? (size_t)(amp - s) : strlen(s);
        if (l > 0) {
            const char *eq = memchr(s, '=', l);
            char name[64], value[1024];
            size_t nl = eq ? (size_t)(eq - s) : l;
            if (decode(s, nl, name, sizeof name) != 0)
                BAD("query: a parameter name is malformed or too long");
            if (!eq)
                BAD("%s: missing value", name);
            if (decode(eq + 1, l - nl - 1, value, sizeof value) != 0)
                BAD("%s: malformed or too long value", name);
            unsigned bit = 0;
            for (size_t i = 0; i < sizeof names / sizeof *names; i++)
                if (strcmp(name, names[i].name) == 0)
                    bit = names[i].bit;
            if (!bit || !(allowed & bit))
                BAD("%s: unknown parameter", name);
            if (p->given & bit)
                BAD("%s: given twice", name);
            p->given |= bit;
            if (set_value(p, bit, name, value, err, errlen) != 0)
                return -1;
        }
        if (!amp)
            break;
        s = amp + 1;
    }
    if (p->from[0] && p->to[0])
        return check_range(p, err, errlen);
    return 0;
}

int sbw_params_resolve_dates(sbw_params_t *p, const char *today, char *err, size_t errlen)
{
    if (!p->to[0] && !p->from[0]) {
        memcpy(p->to, today, 11);
        sbw_params_add_days(p->to, -6, p->from);
    } else if (!p->to[0]) {
        memcpy(p->to, today, 11);
    } else if (!p->from[0]) {
        sbw_params_add_days(p->to, -6, p->from);
    }
    return check_range(p, err, errlen);
}

int sbw_params_canonical(const sbw_params_t *p, const char *path, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s|%s|%s|%s|%s|%ld|%ld|%d|%d|%s|%s|%s|%s|%s|%s|%d|", path,
                     p->from, p->to, p->tz, p->login_state, p->limit, p->offset, p->csv,
                     p->compare, p->metric, p->interval, p->by, p->sort, p->category, p->brand,
                     p->product_only);
    for (int i = 0; i < p->nsteps && n > 0 && (size_t)n < outlen; i++)
        n += snprintf(out + n, outlen - (size_t)n, "%s,", p->steps[i]);
    return n > 0 && (size_t)n < outlen ? n : -1;
}
