/* sbw_time: UTC calendar arithmetic, ISO 8601 parsing/formatting and epoch conversions.
 *
 * Every time is an int64 count of milliseconds since 1970-01-01T00:00:00Z ("epoch ms").
 * Pure and thread-safe: no time zone database, no TZ environment variable, no locale, no clock
 * (callers pass "now" in). Supported years are 0000..9999. */
#ifndef SBW_TIME_H
#define SBW_TIME_H

#include <stdint.h>

/* Bytes needed by sbw_time_format_iso, NUL included: "2026-11-27T02:21:45.123Z". */
#define SBW_TIME_ISO_SIZE 25

/* A broken-down UTC time. */
typedef struct {
    int year;  /* 0..9999 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
    int hour;  /* 0..23 */
    int min;   /* 0..59 */
    int sec;   /* 0..59 */
    int ms;    /* 0..999 */
} sbw_time_civil_t;

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t sbw_time_days_from_civil(int year, int month, int day);

/* Converts a broken-down UTC time to epoch ms. Returns 0, or -1 (and *out_ms untouched) when a
 * field is out of range (including 31 April, 29 February of a common year). */
int sbw_time_from_civil(const sbw_time_civil_t *c, int64_t *out_ms);

/* Splits epoch ms into a broken-down UTC time. Returns 0, or -1 when the year would fall
 * outside 0000..9999. */
int sbw_time_to_civil(int64_t ms, sbw_time_civil_t *out);

/* Parses an ISO 8601 / RFC 3339 time: "YYYY-MM-DD", or "YYYY-MM-DDThh:mm[:ss[.f...]][zone]"
 * where the separator may also be 't' or one space, the fraction has 1..9 digits (truncated to
 * milliseconds) and zone is "Z", "z", "+hh:mm", "-hh:mm", "+hhmm" or "+hh"; no zone means UTC.
 * The whole string must match (no surrounding blanks). Returns 0 and *out_ms, or -1 and
 * *out_ms untouched. */
int sbw_time_parse_iso(const char *s, int64_t *out_ms);

/* Formats epoch ms as "YYYY-MM-DDThh:mm:ss.mmmZ" into buf (at least SBW_TIME_ISO_SIZE bytes).
 * Returns 0, or -1 when size is too small or the year is outside 0000..9999 (buf is then ""
 * when size > 0). */
int sbw_time_format_iso(int64_t ms, char *buf, unsigned size);

#endif
