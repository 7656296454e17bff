/* sbw_etl_sql: every SQL statement of the ETL, as functions over one PGconn (the repository).
 *
 * Values always travel as bound parameters or COPY data, never pasted into SQL text. Each
 * function returns 0, or -1 with libpq's message in err (optional). Results are PQclear'd
 * inside; nothing returned needs freeing unless stated. */
#ifndef SBW_ETL_SQL_H
#define SBW_ETL_SQL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "sbw_etl.h"

/* Manifest state of a key (sbw_etl_sql_manifest_lookup). */
enum { SBW_ETL_NEW = 0, SBW_ETL_LOADED = 1, SBW_ETL_REJECTED = 2 };

/* pg_try_advisory_lock(SBW_ETL_LOCK_KEY) for the session: *got is 1 when taken. */
int sbw_etl_sql_try_lock(PGconn *c, int *got, char *err, size_t errlen);

/* Releases the lock at once. Closing the connection releases it too, but only when the server
 * process has ended, which may be after the next run already tried: so unlock explicitly. */
int sbw_etl_sql_unlock(PGconn *c, char *err, size_t errlen);

/* Marks runs still 'running' (their process died; we hold the lock) as failed. */
int sbw_etl_sql_close_stale_runs(PGconn *c, char *err, size_t errlen);

/* Start of the hour through which the newest succeeded catch-up run saw everything, or -1
 * when there is none. */
int sbw_etl_sql_watermark(PGconn *c, int64_t *ms, char *err, size_t errlen);

/* Inserts a run row (status running, or skipped when skipped != 0, then also finished) and
 * returns its run_id. selection is JSON text. */
int sbw_etl_sql_run_start(PGconn *c, const char *trigger, const char *selection, const char *host,
                          int skipped, int64_t *run_id, char *err, size_t errlen);

/* Records the run's outcome: status, counts, range, hook status, error (may be NULL), and
 * complete_through (ms, -1 = none) merged into the selection JSON. */
int sbw_etl_sql_run_finish(PGconn *c, const sbw_etl_summary_t *s, int64_t complete_through,
                           char *err, size_t errlen);

/* For keys[0..n), fills state[i] with SBW_ETL_NEW / LOADED / REJECTED. */
int sbw_etl_sql_manifest_lookup(PGconn *c, const char *const *keys, size_t n, unsigned char *state,
                                char *err, size_t errlen);

/* Creates the session's staging tables (temporary, emptied at each commit). */
int sbw_etl_sql_setup(PGconn *c, char *err, size_t errlen);

int sbw_etl_sql_begin(PGconn *c, char *err, size_t errlen);
int sbw_etl_sql_commit(PGconn *c, char *err, size_t errlen);
/* Rolls back; ignores errors (the connection may be gone). */
void sbw_etl_sql_rollback(PGconn *c);

/* Which COPY to start. */
typedef enum { SBW_ETL_COPY_EVENTS, SBW_ETL_COPY_OBJECTS, SBW_ETL_COPY_REJECTS } sbw_etl_copy_t;

/* COPY ... FROM STDIN into the events staging table (columns SBW_ETL_EVENT_COLUMNS, stage_seq),
 * the objects staging table (object_key, size_bytes, etag, last_modified_at, status,
 * events_total, events_rejected) or etl_rejects (run_id, object_key, record_index, reason,
 * excerpt). */
int sbw_etl_sql_copy_start(PGconn *c, sbw_etl_copy_t which, char *err, size_t errlen);
int sbw_etl_sql_copy_put(PGconn *c, const char *data, size_t len, char *err, size_t errlen);
/* Ends the COPY; error_msg non-NULL aborts it instead. */
int sbw_etl_sql_copy_end(PGconn *c, const char *error_msg, char *err, size_t errlen);

/* Moves the staged batch: inserts staged events (one per event_id, the first staged wins)
 * with ON CONFLICT (event_id) DO NOTHING and upserts the manifest rows of the staged objects
 * with their real counts, all for run_id. Returns the rows inserted and their
 * event_timestamp range (ms, -1 when none). Call inside the batch's transaction. */
int sbw_etl_sql_move_batch(PGconn *c, int64_t run_id, long *inserted, int64_t *min_ms,
                           int64_t *max_ms, char *err, size_t errlen);

#endif
