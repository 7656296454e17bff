/* sbw_etl_fetch: reads the lake objects of one listing round ahead of the loader, with a small
 * pool of reader threads (S3 lakes: one GET per object, several in flight), or inline in the
 * caller's thread when the pool has no threads (a local folder).
 *
 * The loader takes the objects in list order (sbw_etl_fetch_take with i = 0, 1, 2, ...); the
 * readers run at most `window` objects and about `budget` listed bytes ahead of it (one object
 * is always allowed), so memory stays bounded whatever the round's size. Every object is read
 * with sbw_etl_fetch_read's retries. Nothing here touches the warehouse: what is committed, and
 * when, stays the loader's business.
 *
 * Ownership: the lake handles are borrowed (one per thread, used by that thread only; with no
 * threads, lakes[0] is used by the caller); keys and sizes passed to _start are borrowed until
 * _stop. Data returned by _take is malloc'd and owned by the caller. Threads: one loader thread
 * calls _start, _take and _stop. */
#ifndef SBW_ETL_FETCH_H
#define SBW_ETL_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "sbw_lake.h"

/* Results of a read. */
#define SBW_ETL_READ_OK 0     /* *data holds the object */
#define SBW_ETL_READ_REJECT 1 /* larger than the limit or a bad key: record it as rejected */
#define SBW_ETL_READ_LEAVE 2  /* gone, or unreadable after every attempt: leave for the next run */

typedef struct sbw_etl_fetch sbw_etl_fetch_t;

/* Reads key from lake (at most max_bytes), up to attempts times with a growing wait (200 ms,
 * 800 ms, 3.2 s, ...) between failures; a missing key, a too large object or a bad key is not
 * retried. Returns an SBW_ETL_READ_* code; the reason is in why. Logs each failure (WARN). */
int sbw_etl_fetch_read(sbw_lake_t *lake, const char *key, size_t max_bytes, long attempts,
                       char **data, size_t *len, char *why, size_t whylen);

/* A pool over nthreads handles (0: read inline with lakes[0]). window: objects read ahead
 * (>= 1); budget: listed bytes read ahead. Returns NULL when out of memory. */
sbw_etl_fetch_t *sbw_etl_fetch_new(sbw_lake_t **lakes, int nthreads, size_t max_object_bytes,
                                   long attempts, size_t window, size_t budget);

/* Starts reading keys[0..n) (sizes: listed sizes). Returns 0, or -1 (out of memory or no
 * thread could be started; reading inline still works then). */
int sbw_etl_fetch_start(sbw_etl_fetch_t *f, char *const *keys, const int64_t *sizes, size_t n);

/* Waits for object i (the next one in order) and hands it over: an SBW_ETL_READ_* code with
 * *data and *len (READ_OK) or the reason in why. */
int sbw_etl_fetch_take(sbw_etl_fetch_t *f, size_t i, char **data, size_t *len, char *why,
                       size_t whylen);

/* Stops the readers (a read in progress finishes, a retry wait is cut short), joins them and
 * frees what was read but not taken. Safe to call when nothing was started. */
void sbw_etl_fetch_stop(sbw_etl_fetch_t *f);

/* Stops and frees; accepts NULL. */
void sbw_etl_fetch_free(sbw_etl_fetch_t *f);

#endif
