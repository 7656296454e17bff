/* sbw_body: splits a POST /clickstream request body into validated client events.
 *
 * Accepted shapes (docs/event-contract.md, "Body"): one JSON object; a JSON array of objects;
 * NDJSON (one or more JSON objects per line, blank lines ignored, CRLF allowed). The body is
 * checked against sbw_limits_t before anything is parsed, and nesting is measured by a
 * non-recursive scan of the bytes, so no input can make the parser recurse deeply.
 * Whole-body problems (too big, empty, not JSON at all, a scalar, an unbalanced array, too many
 * events) reject the body; a problem with one event rejects only that event, with a reason that
 * names it ("event 3: eventName missing", "line 2: invalid JSON at byte 17"). Byte offsets in
 * messages count from 0 at the start of the body; event indexes from 0; lines from 1.
 *
 * Ownership: an sbw_body_t owns its items, their cJSON objects and error strings; the caller
 * may take an object by setting item->obj to NULL after copying the pointer. Pure and
 * thread-safe, except that cJSON records parse errors in a global it never reads back. */
#ifndef SBW_BODY_H
#define SBW_BODY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "sbw_event.h"

typedef enum { SBW_BODY_OBJECT = 1, SBW_BODY_ARRAY, SBW_BODY_NDJSON } sbw_body_shape_t;

typedef struct {
    cJSON *obj;    /* the validated event object (owned), NULL when rejected or verbatim */
    char *error;   /* why it was rejected (owned), NULL when accepted */
    int index;     /* 0-based position among the body's events */
    int line;      /* 1-based line in an NDJSON body, 0 for the other shapes */
    size_t offset; /* where the event's source starts in the body */
    size_t length; /* bytes of its source */
    bool verbatim; /* accepted by sbw_event_scan (SBW_BODY_VERBATIM): no obj, no error; its
                      source bytes are the valid event, on one line, without "_ingest" */
    bool client_sent_id; /* verbatim only: it carries a non-empty eventId/event_id */
} sbw_body_item_t;

typedef struct {
    sbw_body_shape_t shape;
    size_t count;           /* items, accepted and rejected, in body order */
    size_t accepted;        /* items with obj != NULL or verbatim */
    sbw_body_item_t *items; /* owned */
} sbw_body_t;

#define SBW_BODY_EINVAL (-1)  /* the body is rejected as a whole (a 400); err says why */
#define SBW_BODY_ENOMEM (-2)  /* out of memory (a 500, not the client's fault) */
#define SBW_BODY_ETOOBIG (-3) /* more bytes or events than the limits allow (a 413) */

/* Splits data[0..len) (need not be NUL-terminated; a leading UTF-8 BOM is skipped) into events,
 * each parsed and checked with sbw_event_validate. Returns 0 and fills *out (release with
 * sbw_body_cleanup) even when some or all events were rejected. Otherwise *out is empty and
 * err says why: SBW_BODY_ETOOBIG ("body exceeds 1048576 bytes", "body has more than 500
 * events"), SBW_BODY_EINVAL ("body is empty", "invalid JSON at byte 17", "body contains no
 * events", "body must be a JSON object, ..."), or SBW_BODY_ENOMEM ("out of memory"). */
__attribute__((warn_unused_result)) int sbw_body_split(const char *data, size_t len,
                                                       const sbw_limits_t *limits, sbw_body_t *out,
                                                       char *err, size_t errlen);

/* Flags of sbw_body_split_flags. SBW_BODY_VERBATIM: an event that sbw_event_scan accepts is not
 * parsed into a tree; its item is marked verbatim (obj and error NULL). Events the scan cannot
 * vouch for are parsed and validated as usual, so what is accepted and every error message are
 * the same with or without the flag. */
#define SBW_BODY_VERBATIM 1u

/* sbw_body_split with flags (0 behaves exactly as sbw_body_split). */
__attribute__((warn_unused_result)) int sbw_body_split_flags(const char *data, size_t len,
                                                             const sbw_limits_t *limits,
                                                             unsigned flags, sbw_body_t *out,
                                                             char *err, size_t errlen);

/* Frees the items and empties *b. Accepts NULL and an empty or already cleaned body. */
void sbw_body_cleanup(sbw_body_t *b);

/* Finds the end of the JSON value starting at data[start] (after no whitespace) without
 * parsing it: strings are skipped escape-aware, brackets are matched by kind, and a bare
 * scalar ends at whitespace, ',', ']' or '}'. Does not recurse. Returns 0 with *end (one past
 * the value) and *depth (its deepest container nesting; 0 for a scalar, 1 for "{}"); -1 with
 * *err_at (offset of the problem) when brackets do not match, a string is not closed, the input
 * ends inside the value or no value starts at start; -2 when out of memory. Used by the lake
 * reader as well. */
int sbw_body_scan_value(const char *data, size_t len, size_t start, size_t *end, int *depth,
                        size_t *err_at);


#endif
