/* sbw_etl: one ETL run — select lake objects, load the new ones into the warehouse exactly
 * once, call the refresh hook, report. The CLI (sbw_etl_main.c) and the Lambda bootstrap
 * (sbw_etl_lambda_main.c) both call sbw_etl_run; docs/etl.md describes the behaviour.
 *
 * Ownership: settings and options are borrowed for the call; the summary is a plain struct
 * the caller owns; sbw_etl_summary_json returns a malloc'd string. One run uses one PGconn
 * and lake handles of its own (one to list, one per reader thread: sbw_etl_fetch.h), so runs
 * in different threads or processes are independent
 * (a PostgreSQL advisory lock lets only one of them load at a time). */
#ifndef SBW_ETL_H
#define SBW_ETL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sbw_config.h"
#include "sbw_etl_select.h"
#include "sbw_lake.h"

/* The advisory lock key every sbw-etl run takes ("sbwetl" in ASCII). */
#define SBW_ETL_LOCK_KEY 0x73627765746cLL
/* Keys listed and checked against the manifest per round (bounds listing memory). */
#define SBW_ETL_LIST_CHUNK 5000
/* Reject rows written per object; the rest are counted in one final row. */
#define SBW_ETL_REJECTS_PER_OBJECT 1000
/* Most reader threads (SBW_ETL_READERS). */
#define SBW_ETL_READERS_MAX 64
/* Bytes of a record kept in etl_rejects.excerpt. */
#define SBW_ETL_EXCERPT_BYTES 512

/* Settings, read once at start (see sbw_etl_cfg_vars / `sbw-etl example-env`). */
typedef struct {
    char lake_url[SBW_LAKE_URL_MAX];
    sbw_lake_opts_t lake_opts;
    long lookback_hours;     /* SBW_ETL_LOOKBACK_HOURS */
    long max_rows;           /* MAX_RECORDS_PER_BATCH: rows per transaction (soft) */
    long max_objects;        /* SBW_ETL_BATCH_OBJECTS: objects per transaction */
    size_t max_batch_bytes;  /* SBW_ETL_BATCH_BYTES: object bytes per transaction (soft) */
    size_t max_object_bytes; /* SBW_ETL_MAX_OBJECT_BYTES: larger objects are rejected */
    long get_attempts;       /* SBW_ETL_GET_ATTEMPTS: reads of one object before leaving it */
    int readers;             /* SBW_ETL_READERS: S3 objects read at once (threads) */
    char refresh_url[1024];  /* SBW_REFRESH_URL, "" = disabled */
    char refresh_token[1024];
    long hook_timeout_ms;  /* SBW_REFRESH_TIMEOUT_MS */
    long progress_seconds; /* SBW_ETL_PROGRESS_SECONDS */
    int64_t now_ms;        /* SBW_ETL_NOW (tests, replays); -1 = the clock */
} sbw_etl_settings_t;

/* One run's request. */
typedef struct {
    sbw_etl_sel_t sel;
    int reload;                  /* load selected objects even when the manifest has them */
    int retry_rejected;          /* load selected objects the manifest has as rejected */
    int dry_run;                 /* list and count only; write nothing */
    const char *trigger;         /* "cli", "timer" or "lambda" (recorded in etl_runs) */
    volatile sig_atomic_t *stop; /* optional: set non-zero to stop after the current batch */
} sbw_etl_opts_t;

/* What a run did; every count is of committed work only. */
typedef struct {
    int64_t run_id;  /* 0 when nothing was recorded */
    char status[16]; /* succeeded, failed, skipped, dry_run */
    char mode[16];   /* catch_up, prefix, hour, date, hours_back */
    long objects_listed, objects_skipped, objects_loaded, objects_rejected, objects_failed;
    long events_inserted, events_duplicate, events_rejected;
    int64_t bytes;
    double seconds;
    int64_t min_event_ms, max_event_ms; /* range of inserted event_timestamp; -1 = none */
    char hook[320];                     /* ok, disabled, none (nothing inserted), failed: ... */
    char error[1024];                   /* set when status is failed */
} sbw_etl_summary_t;

/* The ETL's settings table (static, borrowed), without the lake's (sbw_lake_cfg_vars). */
const sbw_cfg_var_t *sbw_etl_cfg_vars(size_t *n);

/* Fills *st from a loaded cfg (of sbw_etl_cfg_vars) and the lake variables through lookup.
 * cwd_default names the folder whose var/lake/clickstream-s3-ingest is the lake when no
 * SBW_LAKE / RAW_BUCKET_NAME is set. Returns 0, or -1 with a message naming the variable. */
int sbw_etl_settings_load(const sbw_cfg_t *cfg, sbw_cfg_lookup_fn lookup, void *ud,
                          const char *cwd_default, sbw_etl_settings_t *st, char *err,
                          size_t errlen);

/* Runs once. Returns 0 when the run succeeded, was skipped (another run holds the lock) or was
 * a dry run; 1 when it failed (warehouse unreachable: nothing recorded; otherwise the run row
 * says failed and what was committed before the failure stays committed and counted);
 * 2 for a bad selection. *out is always filled. */
int sbw_etl_run(const sbw_cfg_t *cfg, const sbw_etl_settings_t *st, const sbw_etl_opts_t *o,
                sbw_etl_summary_t *out);

/* The summary as one line of JSON (no newline), malloc'd; NULL when out of memory. */
char *sbw_etl_summary_json(const sbw_etl_summary_t *s);

#endif
