/* sbwapi_time.c: strict ISO 8601 date and date-time recognition (see sbwapi_time.h). */
#include "sbwapi_time.h"

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Days from 1970-01-01 to the proleptic Gregorian y-m-d (H. Hinnant's days_from_civil). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Parses the leading "YYYY-MM-DD" of s; 1 on success. */
static int date_prefix(const char *s, long *days)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return 0;
    *days = days_from_civil(y, m, d);
    return 1;
}

int sbwapi_time_parse_date(const char *s, double *days)
{
    long d;
    if (!date_prefix(s, &d) || s[10] != '\0')
        return 0;
    *days = (double)d;
    return 1;
}

int sbwapi_time_parse_datetime(const char *s, double *secs)
{
    long days;
    int hh, mi, ss, oh = 0, om = 0, sign = 0;
    double frac = 0.0;
    if (!date_prefix(s, &days))
        return 0;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return 0;
    const char *p = s + 11;
    if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mi) || p[5] != ':' ||
        !digits(p + 6, 2, &ss))
        return 0;
    if (hh > 23 || mi > 59 || ss > 60)
        return 0;
    p += 8;
    if (*p == '.') {
        /* Up to 9 significant digits (nanoseconds); further digits are checked, not used. */
        long num = 0, den = 1;
        p++;
        if (*p < '0' || *p > '9')
            return 0;
        for (int n = 0; *p >= '0' && *p <= '9'; n++, p++) {
            if (n < 9) {
                num = num * 10 + (*p - '0');
                den *= 10;
            }
        }
        frac = (double)num / (double)den;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (!digits(p, 2, &oh))
            return 0;
        p += 2;
        if (*p == ':') {
            if (!digits(p + 1, 2, &om))
                return 0;
            p += 3;
        } else if (*p >= '0' && *p <= '9') {
            if (!digits(p, 2, &om))
                return 0;
            p += 2;
        }
        if (oh > 23 || om > 59)
            return 0;
    } else {
        return 0;
    }
    if (*p != '\0')
        return 0;
    *secs = (double)days * 86400.0 + hh * 3600.0 + mi * 60.0 + ss + frac -
            sign * (oh * 3600.0 + om * 60.0);
    return 1;
}
