/* sbw_etl_sql: every SQL statement of the ETL (see sbw_etl_sql.h). */
#include "sbw_etl_sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_buf.h"
#include "sbw_etl_copy.h"
#include "sbw_time.h"

/* ---- statements ---- */

static const char SQL_TRY_LOCK[] = "SELECT pg_try_advisory_lock($1::bigint)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock($1::bigint)";

static const char SQL_CLOSE_STALE[] =
    "UPDATE etl_runs SET status = 'failed', finished_at = now(),"
    " error = coalesce(error, 'interrupted: the run ended without recording its outcome')"
    " WHERE status = 'running'";

static const char SQL_WATERMARK[] =
    "SELECT (extract(epoch FROM (selection->>'complete_through')::timestamptz) * 1000)::bigint"
    "  FROM etl_runs"
    " WHERE status = 'succeeded' AND selection->>'mode' = 'catch_up'"
    "   AND selection ? 'complete_through'"
    " ORDER BY run_id DESC LIMIT 1";

static const char SQL_RUN_START[] =
    "INSERT INTO etl_runs (status, trigger, selection, host, finished_at)"
    " VALUES ($1, $2, $3::jsonb, $4, CASE WHEN $1 = 'skipped' THEN now() END)"
    " RETURNING run_id";

static const char SQL_RUN_FINISH[] =
    "UPDATE etl_runs SET status = $2, finished_at = now(),"
    " objects_listed = $3, objects_loaded = $4, objects_rejected = $5,"
    " events_inserted = $6, events_duplicate = $7, events_rejected = $8, bytes_read = $9,"
    " min_event_at = to_timestamp($10::bigint / 1000.0), max_event_at = to_timestamp($11::bigint / "
    "1000.0),"
    " hook_status = $12, error = $13,"
    " selection = CASE WHEN $14::text IS NULL THEN selection"
    "   ELSE coalesce(selection, '{}'::jsonb) || jsonb_build_object('complete_through', $14::text) "
    "END"
    " WHERE run_id = $1";

static const char SQL_MANIFEST_LOOKUP[] =
    "SELECT object_key, status FROM etl_manifest WHERE object_key = ANY($1::text[])";

static const char SQL_SETUP[] =
    "CREATE TEMP TABLE IF NOT EXISTS sbw_etl_stage"
    " (LIKE clickstream_events INCLUDING DEFAULTS, stage_seq bigint NOT NULL)"
    " ON COMMIT DELETE ROWS;"
    "CREATE TEMP TABLE IF NOT EXISTS sbw_etl_stage_objects ("
    " object_key text NOT NULL, size_bytes bigint NOT NULL, etag text,"
    " last_modified_at timestamptz, status text NOT NULL, events_total integer NOT NULL,"
    " events_rejected integer NOT NULL) ON COMMIT DELETE ROWS";

static const char SQL_COPY_EVENTS[] =
    "COPY sbw_etl_stage (" SBW_ETL_EVENT_COLUMNS ", stage_seq) FROM STDIN";
static const char SQL_COPY_OBJECTS[] =
    "COPY sbw_etl_stage_objects (object_key, size_bytes, etag, last_modified_at, status,"
    " events_total, events_rejected) FROM STDIN";
static const char SQL_COPY_REJECTS[] =
    "COPY etl_rejects (run_id, object_key, record_index, reason, excerpt) FROM STDIN";

/* One statement: insert the staged events, then the manifest rows with what really landed. */
static const char SQL_MOVE_BATCH[] =
    "WITH ins AS ("
    "  INSERT INTO clickstream_events (" SBW_ETL_EVENT_COLUMNS ")"
    "  SELECT DISTINCT ON (event_id) " SBW_ETL_EVENT_COLUMNS
    "    FROM sbw_etl_stage ORDER BY event_id, stage_seq"
    "  ON CONFLICT (event_id) DO NOTHING"
    "  RETURNING raw_object_key, event_timestamp),"
    " landed AS (SELECT raw_object_key AS k, count(*) AS n, min(event_timestamp) AS lo,"
    "                   max(event_timestamp) AS hi FROM ins GROUP BY 1),"
    " staged AS (SELECT raw_object_key AS k, count(*) AS n FROM sbw_etl_stage GROUP BY 1),"
    " man AS ("
    "  INSERT INTO etl_manifest AS m (object_key, size_bytes, etag, last_modified_at, status,"
    "      events_total, events_inserted, events_duplicate, events_rejected, run_id, loaded_at)"
    "  SELECT o.object_key, o.size_bytes, o.etag, o.last_modified_at, o.status, o.events_total,"
    "         coalesce(l.n, 0), coalesce(s.n, 0) - coalesce(l.n, 0), o.events_rejected, $1, now()"
    "    FROM sbw_etl_stage_objects o"
    "    LEFT JOIN landed l ON l.k = o.object_key LEFT JOIN staged s ON s.k = o.object_key"
    "  ON CONFLICT (object_key) DO UPDATE SET size_bytes = EXCLUDED.size_bytes,"
    "      etag = EXCLUDED.etag, last_modified_at = EXCLUDED.last_modified_at,"
    "      status = EXCLUDED.status, events_total = EXCLUDED.events_total,"
    "      events_inserted = EXCLUDED.events_inserted,"
    "      events_duplicate = EXCLUDED.events_duplicate,"
    "      events_rejected = EXCLUDED.events_rejected, run_id = EXCLUDED.run_id,"
    "      loaded_at = EXCLUDED.loaded_at"
    "  RETURNING 1)"
    " SELECT coalesce(sum(n), 0)::bigint,"
    "        (extract(epoch FROM min(lo)) * 1000)::bigint,"
    "        (extract(epoch FROM max(hi)) * 1000)::bigint,"
    "        (SELECT count(*) FROM man)"
    "   FROM landed";

/* ---- helpers ---- */

static void set_err(PGconn *c, const PGresult *r, const char *what, char *err, size_t errlen)
{
    if (!err || !errlen)
        return;
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = PQerrorMessage(c);
    snprintf(err, errlen, "%s: %s", what, m && *m ? m : "unknown error");
    size_t l = strlen(err);
    while (l && (err[l - 1] == '\n' || err[l - 1] == ' '))
        err[--l] = '\0';
}

/* Runs a statement expecting status want; returns the result (caller clears) or NULL. */
static PGresult *exec(PGconn *c, const char *sql, int n, const char *const *vals,
                      ExecStatusType want, const char *what, char *err, size_t errlen)
{
    PGresult *r = n ? PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0) : PQexec(c, sql);
    if (PQresultStatus(r) != want) {
        set_err(c, r, what, err, errlen);
        PQclear(r);
        return NULL;
    }
    return r;
}

static int exec_cmd(PGconn *c, const char *sql, int n, const char *const *vals, const char *what,
                    char *err, size_t errlen)
{
    PGresult *r = exec(c, sql, n, vals, PGRES_COMMAND_OK, what, err, errlen);
    PQclear(r);
    return r ? 0 : -1;
}

static int64_t get_ms(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? -1 : (int64_t)strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* ---- functions ---- */

int sbw_etl_sql_try_lock(PGconn *c, int *got, char *err, size_t errlen)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)SBW_ETL_LOCK_KEY);
    const char *v[] = {key};
    PGresult *r = exec(c, SQL_TRY_LOCK, 1, v, PGRES_TUPLES_OK, "advisory lock", err, errlen);
    if (!r)
        return -1;
    *got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return 0;
}

int sbw_etl_sql_unlock(PGconn *c, char *err, size_t errlen)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)SBW_ETL_LOCK_KEY);
    const char *v[] = {key};
    PGresult *r = exec(c, SQL_UNLOCK, 1, v, PGRES_TUPLES_OK, "advisory unlock", err, errlen);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

int sbw_etl_sql_close_stale_runs(PGconn *c, char *err, size_t errlen)
{
    return exec_cmd(c, SQL_CLOSE_STALE, 0, NULL, "close interrupted runs", err, errlen);
}

int sbw_etl_sql_watermark(PGconn *c, int64_t *ms, char *err, size_t errlen)
{
    PGresult *r = exec(c, SQL_WATERMARK, 0, NULL, PGRES_TUPLES_OK, "watermark", err, errlen);
    if (!r)
        return -1;
    *ms = PQntuples(r) ? get_ms(r, 0, 0) : -1;
    PQclear(r);
    return 0;
}

int sbw_etl_sql_run_start(PGconn *c, const char *trigger, const char *selection, const char *host,
                          int skipped, int64_t *run_id, char *err, size_t errlen)
{
    const char *v[] = {skipped ? "skipped" : "running", trigger, selection, host};
    PGresult *r = exec(c, SQL_RUN_START, 4, v, PGRES_TUPLES_OK, "record the run", err, errlen);
    if (!r)
        return -1;
    *run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return 0;
}

int sbw_etl_sql_run_finish(PGconn *c, const sbw_etl_summary_t *s, int64_t complete_through,
                           char *err, size_t errlen)
{
    char id[24], n[8][24], lo[24], hi[24], ct[SBW_TIME_ISO_SIZE];
    snprintf(id, sizeof id, "%" PRId64, s->run_id);
    long vals[7] = {s->objects_listed,
                    s->objects_loaded,
                    s->objects_rejected,
                    s->events_inserted,
                    s->events_duplicate,
                    s->events_rejected,
                    0};
    for (int i = 0; i < 6; i++)
        snprintf(n[i], sizeof n[i], "%ld", vals[i]);
    snprintf(n[6], sizeof n[6], "%" PRId64, s->bytes);
    snprintf(lo, sizeof lo, "%" PRId64, s->min_event_ms);
    snprintf(hi, sizeof hi, "%" PRId64, s->max_event_ms);
    int have_ct =
        complete_through >= 0 && sbw_time_format_iso(complete_through, ct, sizeof ct) == 0;
    const char *v[] = {id,
                       s->status,
                       n[0],
                       n[1],
                       n[2],
                       n[3],
                       n[4],
                       n[5],
                       n[6],
                       s->min_event_ms >= 0 ? lo : NULL,
                       s->max_event_ms >= 0 ? hi : NULL,
                       s->hook[0] ? s->hook : NULL,
                       s->error[0] ? s->error : NULL,
                       have_ct ? ct : NULL};
    return exec_cmd(c, SQL_RUN_FINISH, 14, v, "record the run's outcome", err, errlen);
}

int sbw_etl_sql_manifest_lookup(PGconn *c, const char *const *keys, size_t n, unsigned char *state,
                                char *err, size_t errlen)
{
    memset(state, SBW_ETL_NEW, n);
    if (n == 0)
        return 0;
    sbw_buf_t arr;
    sbw_buf_init(&arr, 0);
    if (sbw_etl_text_array(&arr, keys, n) != 0) {
        sbw_buf_cleanup(&arr);
        snprintf(err, errlen, "manifest lookup: out of memory");
        return -1;
    }
    const char *v[] = {sbw_buf_cstr(&arr)};
    PGresult *r =
        exec(c, SQL_MANIFEST_LOOKUP, 1, v, PGRES_TUPLES_OK, "manifest lookup", err, errlen);
    sbw_buf_cleanup(&arr);
    if (!r)
        return -1;
    /* keys are in listing (byte-wise) order: binary search each returned key. */
    for (int i = 0; i < PQntuples(r); i++) {
        const char *k = PQgetvalue(r, i, 0);
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int cmp = strcmp(keys[mid], k);
            if (cmp == 0) {
                state[mid] = strcmp(PQgetvalue(r, i, 1), "rejected") == 0 ? SBW_ETL_REJECTED
                                                                          : SBW_ETL_LOADED;
                break;
            }
            if (cmp < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    PQclear(r);
    return 0;
}

int sbw_etl_sql_setup(PGconn *c, char *err, size_t errlen)
{
    return exec_cmd(c, SQL_SETUP, 0, NULL, "create staging tables", err, errlen);
}

int sbw_etl_sql_begin(PGconn *c, char *err, size_t errlen)
{
    return exec_cmd(c, "BEGIN", 0, NULL, "begin", err, errlen);
}

int sbw_etl_sql_commit(PGconn *c, char *err, size_t errlen)
{
    return exec_cmd(c, "COMMIT", 0, NULL, "commit", err, errlen);
}

void sbw_etl_sql_rollback(PGconn *c)
{
    PQclear(PQexec(c, "ROLLBACK"));
}

int sbw_etl_sql_copy_start(PGconn *c, sbw_etl_copy_t which, char *err, size_t errlen)
{
    const char *sql = which == SBW_ETL_COPY_EVENTS    ? SQL_COPY_EVENTS
                      : which == SBW_ETL_COPY_OBJECTS ? SQL_COPY_OBJECTS
                                                      : SQL_COPY_REJECTS;
    PGresult *r = exec(c, sql, 0, NULL, PGRES_COPY_IN, "start COPY", err, errlen);
    PQclear(r);
    return r ? 0 : -1;
}

int sbw_etl_sql_copy_put(PGconn *c, const char *data, size_t len, char *err, size_t errlen)
{
    while (len > 0) {
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        if (PQputCopyData(c, data, chunk) != 1) {
            set_err(c, NULL, "COPY data", err, errlen);
            return -1;
        }
        data += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

int sbw_etl_sql_copy_end(PGconn *c, const char *error_msg, char *err, size_t errlen)
{
    if (PQputCopyEnd(c, error_msg) != 1) {
        set_err(c, NULL, "end COPY", err, errlen);
        return -1;
    }
    int rc = 0;
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0 && !error_msg) {
            set_err(c, r, "COPY", err, errlen);
            rc = -1;
        }
        PQclear(r);
    }
    return error_msg ? -1 : rc;
}

int sbw_etl_sql_move_batch(PGconn *c, int64_t run_id, long *inserted, int64_t *min_ms,
                           int64_t *max_ms, char *err, size_t errlen)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, run_id);
    const char *v[] = {id};
    PGresult *r = exec(c, SQL_MOVE_BATCH, 1, v, PGRES_TUPLES_OK, "load batch", err, errlen);
    if (!r)
        return -1;
    *inserted = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    *min_ms = get_ms(r, 0, 1);
    *max_ms = get_ms(r, 0, 2);
    PQclear(r);
    return 0;
}
