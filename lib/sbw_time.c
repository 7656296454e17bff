/* sbw_time: UTC calendar arithmetic and ISO 8601 (see sbw_time.h). */
#include "sbw_time.h"

#include <stdio.h>

#define MS_PER_DAY INT64_C(86400000)
/* 0000-01-01 and 10000-01-01 in epoch ms: the supported range is [MIN_MS, MAX_MS). */
#define MIN_MS (INT64_C(-719528) * MS_PER_DAY)
#define MAX_MS (INT64_C(2932897) * MS_PER_DAY)

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t sbw_time_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (month + 9) % 12;                       /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;          /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *year, int *month, int *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static int days_in_month(int year, int month)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return 29;
    return dim[month - 1];
}

int sbw_time_from_civil(const sbw_time_civil_t *c, int64_t *out_ms)
{
    if (c->year < 0 || c->year > 9999 || c->month < 1 || c->month > 12 || c->day < 1 ||
        c->day > days_in_month(c->year, c->month) || c->hour < 0 || c->hour > 23 || c->min < 0 ||
        c->min > 59 || c->sec < 0 || c->sec > 59 || c->ms < 0 || c->ms > 999)
        return -1;
    int64_t days = sbw_time_days_from_civil(c->year, c->month, c->day);
    *out_ms = days * MS_PER_DAY + ((int64_t)c->hour * 3600 + c->min * 60 + c->sec) * 1000 + c->ms;
    return 0;
}

int sbw_time_to_civil(int64_t ms, sbw_time_civil_t *out)
{
    if (ms < MIN_MS || ms >= MAX_MS)
        return -1;
    int64_t days = ms / MS_PER_DAY;
    int64_t rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(rem / 3600000);
    out->min = (int)(rem / 60000 % 60);
    out->sec = (int)(rem / 1000 % 60);
    out->ms = (int)(rem % 1000);
    return 0;
}

/* Reads exactly n digits at *p; advances *p. Returns the value or -1. */
static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

int sbw_time_parse_iso(const char *s, int64_t *out_ms)
{
    if (!s)
        return -1;
    const char *p = s;
    sbw_time_civil_t c = {0};
    if ((c.year = digits(&p, 4)) < 0 || *p++ != '-' || (c.month = digits(&p, 2)) < 0 ||
        *p++ != '-' || (c.day = digits(&p, 2)) < 0)
        return -1;
    int64_t offset_min = 0;
    if (*p != '\0') {
        if (*p != 'T' && *p != 't' && *p != ' ')
            return -1;
        p++;
        if ((c.hour = digits(&p, 2)) < 0 || *p++ != ':' || (c.min = digits(&p, 2)) < 0)
            return -1;
        if (*p == ':') {
            p++;
            if ((c.sec = digits(&p, 2)) < 0)
                return -1;
            if (*p == '.' || *p == ',') {
                p++;
                int nd = 0, frac = 0;
                while (*p >= '0' && *p <= '9') {
                    if (nd < 3)
                        frac = frac * 10 + (*p - '0');
                    nd++;
                    p++;
                }
                if (nd == 0 || nd > 9)
                    return -1;
                for (int k = nd; k < 3; k++)
                    frac *= 10;
                c.ms = frac;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int oh = digits(&p, 2), om = 0;
            if (oh < 0 || oh > 23)
                return -1;
            if (*p == ':') {
                p++;
                if ((om = digits(&p, 2)) < 0)
                    return -1;
            } else if (*p >= '0' && *p <= '9') {
                if ((om = digits(&p, 2)) < 0)
                    return -1;
            }
            if (om > 59)
                return -1;
            offset_min = sign * (oh * 60 + om);
        }
        if (*p != '\0')
            return -1;
    }
    int64_t ms;
    if (sbw_time_from_civil(&c, &ms) != 0)
        return -1;
    *out_ms = ms - offset_min * 60000;
    return 0;
}

int sbw_time_format_iso(int64_t ms, char *buf, unsigned size)
{
    sbw_time_civil_t c;
    if (size > 0)
        buf[0] = '\0';
    if (size < SBW_TIME_ISO_SIZE || sbw_time_to_civil(ms, &c) != 0)
        return -1;
    /* "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" by hand: this runs for every request the ingest
     * answers, and years are within 0000-9999 (MIN_MS..MAX_MS). */
    const int parts[7] = {c.year, c.month, c.day, c.hour, c.min, c.sec, c.ms};
    static const int widths[7] = {4, 2, 2, 2, 2, 2, 3};
    static const char seps[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
    char *d = buf;
    for (int i = 0; i < 7; i++) {
        for (int w = widths[i], v = parts[i]; w > 0; w--, v /= 10)
            d[w - 1] = (char)('0' + v % 10);
        d += widths[i];
        *d++ = seps[i];
    }
    *d = '\0';
    return 0;
}
