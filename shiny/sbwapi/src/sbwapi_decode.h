/* sbwapi_decode.h: a parsed cJSON tree -> R values, JSON tables -> typed data.frames.
 *
 * Ownership: the cJSON tree is borrowed and never modified; every returned SEXP is a fresh,
 * unprotected R object (protect it before the next allocation). These functions allocate R
 * memory, so R may longjmp out of them on memory exhaustion: callers must hold any C-allocated
 * memory (the cJSON tree) somewhere R releases on unwind (see sbwapi_init.c). They never call
 * Rf_error themselves. */
#ifndef SBWAPI_DECODE_H
#define SBWAPI_DECODE_H

#include <cjson/cJSON.h>
#include <Rinternals.h>

typedef struct {
    /* Cells that did not fit a column's declared type (shape b "types") or lay outside a
     * row's declared columns; they became NA or were dropped. */
    long n_coerced;
} sbwapi_decode_t;

/* 1 if node is a JSON table: an array whose elements are all objects or null (or an empty
 * array), or an object with "columns" (an array of names, or of {"name", "type"} objects) and
 * "rows" (array). */
int sbwapi_decode_is_table(const cJSON *node);

/* Decodes any JSON value:
 *   null -> NULL; true/false -> logical(1); number -> integer(1) when an int32, else double(1);
 *   string -> Date / POSIXct (UTC) when ISO 8601, else character(1);
 *   table (see sbwapi_decode_is_table) -> data.frame;
 *   array of scalars -> an atomic vector (same inference as a table column);
 *   any other array -> unnamed list; any other object -> named list. */
SEXP sbwapi_decode_value(sbwapi_decode_t *ctx, const cJSON *node);

#endif
