/* sbw_etl_select: which lake prefixes one ETL run lists (pure: no I/O, "now" passed in).
 *
 * A selection is either the default catch-up (everything from a start hour onwards, or the
 * whole lake on the first run) or one of the original Lambda's manual selectors, in its
 * priority order: overridePrefix, targetUtcHour, targetUtcDate, hoursBack; scope "day" widens
 * an hour selector to its UTC day. The CLI flags and the Lambda event fields fill the same
 * sbw_etl_sel_t, so both resolve identically. */
#ifndef SBW_ETL_SELECT_H
#define SBW_ETL_SELECT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sbw_lake.h"

#define SBW_ETL_HOURS_BACK_MAX (24 * 366)               /* --hours-back / hoursBack upper bound */
#define SBW_ETL_PREFIX_MAX (SBW_ETL_HOURS_BACK_MAX + 1) /* hour/day prefixes of one selection */

/* What the caller asked for; unset fields are empty strings / -1. */
typedef struct {
    char prefix[SBW_LAKE_KEY_MAX + 1]; /* --prefix / overridePrefix ("" = unset) */
    char hour[64];                     /* --hour / targetUtcHour: ISO 8601 or epoch s/ms */
    char date[16];                     /* --date / targetUtcDate: YYYY-MM-DD */
    long hours_back;                   /* --hours-back / hoursBack; -1 = unset */
    int scope_day;                     /* --scope day / scope:"day" */
} sbw_etl_sel_t;

/* The resolved plan. Catch-up lists "events/" starting after start_after (the whole lake when
 * start_after is ""); mode "prefix" lists prefix; the other manual modes list each of
 * prefixes[0..n) (hour or day prefixes, oldest first). Large: allocate it on the heap. */
typedef struct {
    int manual;                             /* 0 = catch-up */
    char mode[16];                          /* catch_up, prefix, hour, date, hours_back */
    char start_after[SBW_LAKE_KEY_MAX + 1]; /* catch-up only */
    char prefix[SBW_LAKE_KEY_MAX + 1];      /* mode prefix only */
    size_t n;                               /* other manual modes */
    char prefixes[SBW_ETL_PREFIX_MAX][24];  /* "events/YYYY/MM/DD/HH/" */
} sbw_etl_plan_t;

/* Empties *s (every selector unset). */
void sbw_etl_sel_init(sbw_etl_sel_t *s);

/* Fills *s from a Lambda event: overridePrefix, targetUtcHour (string or number),
 * targetUtcDate, hoursBack (number or digit string), scope ("day" or "hour"). An EventBridge
 * scheduled event (or any event without these fields) leaves *s empty = catch-up. Returns 0,
 * or -1 with a message naming the field when one has the wrong type or is too long. */
int sbw_etl_sel_from_json(const cJSON *event, sbw_etl_sel_t *s, char *err, size_t errlen);

/* Resolves a selection at now_ms. For catch-up, watermark_ms is the start of the newest hour
 * known complete (-1: no run has completed yet = take the whole lake) and lookback_hours how
 * far before it to list again for late files. Returns 0 with *plan, or -1 with a message
 * (bad prefix, unparsable hour or date, hours_back out of range). */
int sbw_etl_plan(const sbw_etl_sel_t *s, int64_t now_ms, int64_t watermark_ms, long lookback_hours,
                 sbw_etl_plan_t *plan, char *err, size_t errlen);

/* Parses an hour selector: ISO 8601 (sbw_time_parse_iso) or epoch seconds / milliseconds as
 * digits (>= 1e11 is ms). Returns 0 with *out_ms, or -1. */
int sbw_etl_parse_time(const char *s, int64_t *out_ms);

/* Parses "YYYY-MM-DD" (exactly). Returns 0 with the day's start in *out_ms, or -1. */
int sbw_etl_parse_date(const char *s, int64_t *out_ms);

/* Start (epoch ms) of the hour named by a key "events/YYYY/MM/DD/HH/...", or -1 when the key
 * does not follow the layout. */
int64_t sbw_etl_key_hour(const char *key);

/* Parses an interval "90s", "15m", "1h", "2d" or plain seconds. Returns seconds (> 0), or -1. */
long sbw_etl_parse_interval(const char *s);

#endif
