/* sbw_etl_select: which lake prefixes one ETL run lists (see sbw_etl_select.h). */
#include "sbw_etl_select.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_time.h"

#define HOUR_MS ((int64_t)3600 * 1000)
#define DAY_MS (24 * HOUR_MS)

void sbw_etl_sel_init(sbw_etl_sel_t *s)
{
    memset(s, 0, sizeof *s);
    s->hours_back = -1;
}

static int copy_str(const cJSON *v, const char *name, char *out, size_t outlen, char *err,
                    size_t errlen)
{
    if (!cJSON_IsString(v)) {
        snprintf(err, errlen, "%s: expected a string", name);
        return -1;
    }
    if (strlen(v->valuestring) >= outlen) {
        snprintf(err, errlen, "%s: longer than %zu bytes", name, outlen - 1);
        return -1;
    }
    snprintf(out, outlen, "%s", v->valuestring);
    return 0;
}

static int present(const cJSON *v)
{
    return v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && v->valuestring[0] == '\0');
}

int sbw_etl_sel_from_json(const cJSON *event, sbw_etl_sel_t *s, char *err, size_t errlen)
{
    sbw_etl_sel_init(s);
    if (!cJSON_IsObject(event))
        return 0; /* e.g. an empty test event: catch-up */
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, "overridePrefix");
    if (present(v) && copy_str(v, "overridePrefix", s->prefix, sizeof s->prefix, err, errlen))
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(event, "targetUtcHour");
    if (present(v)) {
        if (cJSON_IsNumber(v)) {
            if (v->valuedouble < 0 || v->valuedouble > 1e15) {
                snprintf(err, errlen, "targetUtcHour: epoch number out of range");
                return -1;
            }
            snprintf(s->hour, sizeof s->hour, "%.0f", v->valuedouble);
        } else if (copy_str(v, "targetUtcHour", s->hour, sizeof s->hour, err, errlen)) {
            return -1;
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(event, "targetUtcDate");
    if (present(v) && copy_str(v, "targetUtcDate", s->date, sizeof s->date, err, errlen))
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(event, "hoursBack");
    if (present(v)) {
        if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= SBW_ETL_HOURS_BACK_MAX &&
            v->valuedouble == (double)(long)v->valuedouble) {
            s->hours_back = (long)v->valuedouble;
        } else if (cJSON_IsString(v) && strlen(v->valuestring) <= 6 &&
                   strspn(v->valuestring, "0123456789") == strlen(v->valuestring)) {
            s->hours_back = strtol(v->valuestring, NULL, 10);
        } else {
            snprintf(err, errlen, "hoursBack: expected a whole number of hours 0..%d",
                     SBW_ETL_HOURS_BACK_MAX);
            return -1;
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(event, "scope");
    if (present(v)) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, "day") == 0) {
            s->scope_day = 1;
        } else if (!(cJSON_IsString(v) && strcmp(v->valuestring, "hour") == 0)) {
            snprintf(err, errlen, "scope: expected \"day\" or \"hour\"");
            return -1;
        }
    }
    return 0;
}

int sbw_etl_parse_time(const char *s, int64_t *out_ms)
{
    size_t n = strlen(s);
    if (n > 0 && n <= 16 && strspn(s, "0123456789") == n) {
        long long v = strtoll(s, NULL, 10);
        *out_ms = v >= 100000000000LL ? (int64_t)v : (int64_t)v * 1000;
        sbw_time_civil_t c;
        return sbw_time_to_civil(*out_ms, &c);
    }
    return sbw_time_parse_iso(s, out_ms);
}

int sbw_etl_parse_date(const char *s, int64_t *out_ms)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    return sbw_time_parse_iso(s, out_ms);
}

static int64_t floor_to(int64_t ms, int64_t unit)
{
    int64_t r = ms % unit;
    return r < 0 ? ms - r - unit : ms - r;
}

static int add_prefix(sbw_etl_plan_t *p, int64_t ms, int day, char *err, size_t errlen)
{
    if (p->n >= SBW_ETL_PREFIX_MAX) {
        snprintf(err, errlen, "selection spans more than %d prefixes", SBW_ETL_PREFIX_MAX);
        return -1;
    }
    char hp[sizeof p->prefixes[0]];
    if (sbw_lake_hour_prefix(ms, hp, sizeof hp) != 0) {
        snprintf(err, errlen, "time out of range");
        return -1;
    }
    if (day)
        hp[strlen("events/YYYY/MM/DD/")] = '\0'; /* cut the HH/ part */
    /* Days already listed (several hours of one day with scope day) are listed once. */
    if (p->n > 0 && strcmp(p->prefixes[p->n - 1], hp) == 0)
        return 0; /* hours are added in order: a day repeats only right after itself */
    memcpy(p->prefixes[p->n++], hp, sizeof hp);
    return 0;
}

int sbw_etl_plan(const sbw_etl_sel_t *s, int64_t now_ms, int64_t watermark_ms, long lookback_hours,
                 sbw_etl_plan_t *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    plan->manual = 1;
    if (s->prefix[0]) {
        if (sbw_lake_prefix_check(s->prefix, err, errlen) != 0)
            return -1;
        snprintf(plan->mode, sizeof plan->mode, "prefix");
        snprintf(plan->prefix, sizeof plan->prefix, "%s", s->prefix);
        return 0;
    }
    if (s->hour[0]) {
        int64_t t;
        if (sbw_etl_parse_time(s->hour, &t) != 0) {
            snprintf(err, errlen, "hour: expected an ISO 8601 time or epoch seconds/ms, got '%s'",
                     s->hour);
            return -1;
        }
        snprintf(plan->mode, sizeof plan->mode, "hour");
        return add_prefix(plan, t, s->scope_day, err, errlen);
    }
    if (s->date[0]) {
        int64_t t;
        if (sbw_etl_parse_date(s->date, &t) != 0) {
            snprintf(err, errlen, "date: expected YYYY-MM-DD, got '%s'", s->date);
            return -1;
        }
        snprintf(plan->mode, sizeof plan->mode, "date");
        return add_prefix(plan, t, 1, err, errlen);
    }
    long hours_back = s->hours_back;
    if (hours_back < 0 && s->scope_day)
        hours_back = 1; /* scope "day" alone: the day of the previous hour (the original's) */
    if (hours_back >= 0) {
        if (hours_back < 1 || hours_back > SBW_ETL_HOURS_BACK_MAX) {
            snprintf(err, errlen, "hours-back: expected 1..%d", SBW_ETL_HOURS_BACK_MAX);
            return -1;
        }
        snprintf(plan->mode, sizeof plan->mode, "hours_back");
        int64_t cur = floor_to(now_ms, HOUR_MS);
        /* The N complete hours before the current one, oldest first. */
        for (long i = hours_back; i >= 1; i--)
            if (add_prefix(plan, cur - i * HOUR_MS, s->scope_day, err, errlen) != 0)
                return -1;
        return 0;
    }
    plan->manual = 0;
    snprintf(plan->mode, sizeof plan->mode, "catch_up");
    if (watermark_ms < 0)
        return 0; /* first run: the whole lake */
    int64_t from = floor_to(watermark_ms, HOUR_MS) - (int64_t)lookback_hours * HOUR_MS;
    if (from < 0)
        return 0;
    if (sbw_lake_hour_prefix(from, plan->start_after, sizeof plan->start_after) != 0) {
        snprintf(err, errlen, "watermark out of range");
        return -1;
    }
    /* Keys inside that hour are longer than its prefix, so they sort after it. */
    return 0;
}

int64_t sbw_etl_key_hour(const char *key)
{
    /* events/YYYY/MM/DD/HH/ */
    const char *f = "events/dddd/dd/dd/dd/";
    for (size_t i = 0; f[i]; i++) {
        if (f[i] == 'd' ? !isdigit((unsigned char)key[i]) : key[i] != f[i])
            return -1;
    }
    sbw_time_civil_t c = {atoi(key + 7), atoi(key + 12), atoi(key + 15), atoi(key + 18), 0, 0, 0};
    int64_t ms;
    return sbw_time_from_civil(&c, &ms) == 0 ? ms : -1;
}

long sbw_etl_parse_interval(const char *s)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || v <= 0 || v > 366L * 24 * 3600)
        return -1;
    long mult = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        mult = 60, end++;
    else if (*end == 'h')
        mult = 3600, end++;
    else if (*end == 'd')
        mult = 86400, end++;
    if (*end != '\0' || v > 366L * 24 * 3600 / mult)
        return -1;
    return v * mult;
}
