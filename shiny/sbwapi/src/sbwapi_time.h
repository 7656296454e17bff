/* sbwapi_time.h: strict ISO 8601 date and date-time recognition (pure C; no R, no I/O). */
#ifndef SBWAPI_TIME_H
#define SBWAPI_TIME_H

/* Recognises exactly "YYYY-MM-DD" (a valid calendar day, years 0000-9999) in the NUL-terminated
 * string s. Returns 1 and stores the day count since 1970-01-01 in *days; returns 0 otherwise and
 * leaves *days untouched. */
int sbwapi_time_parse_date(const char *s, double *days);

/* Recognises "YYYY-MM-DD(T|t| )HH:MM:SS[.f...](Z|z|+hh|-hh|+hh:mm|-hh:mm|+hhmm|-hhmm)": a zone
 * designator is required (a local time without one is not an instant). Returns 1 and stores the
 * seconds since 1970-01-01T00:00:00Z in *secs; returns 0 otherwise and leaves *secs untouched. */
int sbwapi_time_parse_datetime(const char *s, double *secs);

#endif
