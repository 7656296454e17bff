/* sbw_event: the event contract: limits, validation of one client event, and the mapping of a
 * (lake) event object to one warehouse row.
 *
 * Ownership: functions never take ownership of a cJSON they are given and never keep a
 * pointer to it. An sbw_event_t owns every string it points at (each one malloc'd);
 * sbw_event_cleanup frees them. Error messages go to an optional caller buffer (err, errlen;
 * err may be NULL). Everything is pure (no I/O, no environment, "now" is a parameter) and
 * thread-safe. The full contract is documented in docs/event-contract.md. */
#ifndef SBW_EVENT_H
#define SBW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Limits on untrusted input. Every field must be > 0; start from sbw_limits_init. */
typedef struct {
    size_t max_body_bytes;       /* whole request body (1 MiB) */
    size_t max_events;           /* events in one body (500) */
    size_t max_event_bytes;      /* source bytes of one event (64 KiB) */
    size_t max_string_bytes;     /* any string value or member name, after unescaping (2048) */
    size_t max_url_bytes;        /* pageUrl/page_url and referrer (8192) */
    size_t max_user_agent_bytes; /* User-Agent kept in _ingest, longer ones are cut (512) */
    int max_depth;               /* nesting of one event; the event object itself is 1 (8) */
} sbw_limits_t;

#define SBW_EVENT_ERR_SIZE 512    /* an err buffer of this size never cuts a message */
#define SBW_EVENT_NAME_MAX 64     /* bytes of eventName */
#define SBW_EVENT_NUMBER_MAX 1e15 /* largest accepted magnitude of a price */
#define SBW_UUID_SIZE 37          /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */
#define SBW_USER_AGENT_MAX 512    /* default max_user_agent_bytes, also applied to lake data */

/* The namespace of every UUID v5 this project derives (see sbw_event_uuid_v5). Fixed forever:
 * changing it changes the event_id of re-processed events. */
#define SBW_UUID_NAMESPACE "3f6c2b8e-5d1a-4c7e-9b2f-8a4d6e0c1b57"

/* Fills *l with the defaults listed above. */
void sbw_limits_init(sbw_limits_t *l);

/* Checks one client event against the contract (docs/event-contract.md, "Validation"): obj must
 * be an object with a valid eventName/event_name; every known field must have its type; every
 * string and member name in the whole tree must be valid UTF-8 and within its length limit;
 * nesting within limits->max_depth; numbers finite. Unknown fields are allowed.
 * Returns 0 when valid; otherwise -1 and one precise reason in err, e.g.
 * "eventName missing" or "product.price: expected a number". Does not modify obj. */
__attribute__((warn_unused_result)) int
sbw_event_validate(const cJSON *obj, const sbw_limits_t *limits, char *err, size_t errlen);

/* The collector's fast path: decides without building a tree whether src[0..len) is one event
 * object that can be stored byte for byte. Returns 1 only when cJSON would parse exactly these
 * bytes into an object that sbw_event_validate accepts, the object has no "_ingest" member, and
 * its text is on one line (no CR/LF); *client_sent_id then says whether it carries a non-empty
 * string eventId/event_id (as sbw_enrich_client_sent_id would). Returns 0 when it cannot say so:
 * invalid input, but also valid input outside the strict subset it reads (whitespace other than
 * space/tab, escapes in member names, \u0000, numbers not in strict JSON syntax or over 60
 * bytes, escaped or long time/price strings, ...). A 0 is not an error: the caller parses and
 * validates with cJSON, which accepts or gives the precise reason. Allocates nothing; recursion
 * is bounded by limits->max_depth (and 64). */
__attribute__((warn_unused_result)) int sbw_event_scan(const char *src, size_t len,
                                                       const sbw_limits_t *limits,
                                                       bool *client_sent_id);

/* sbw_event_scan of the object that starts at src[0], wherever it ends: returns 1 with *used =
 * its length (the bytes after it are not looked at), or 0. For strict JSON the end is the one
 * sbw_body_scan_value finds, so a body splitter can scan each event once. */
__attribute__((warn_unused_result)) int sbw_event_scan_prefix(const char *src, size_t len,
                                                              const sbw_limits_t *limits,
                                                              bool *client_sent_id, size_t *used);

/* Tri-state boolean for columns that may be unknown. */
typedef enum { SBW_TRI_UNKNOWN = -1, SBW_TRI_FALSE = 0, SBW_TRI_TRUE = 1 } sbw_tri_t;

/* One warehouse row (table clickstream_events). Every char * is owned (malloc'd) or NULL;
 * NULL means SQL NULL. Times are epoch ms UTC. */
typedef struct {
    char event_id[SBW_UUID_SIZE]; /* lowercase UUID, always set on success */
    int64_t event_timestamp;
    char *event_name; /* never NULL on success */
    char *user_id;
    char *user_login_state;
    char *identity_source;
    char *client_id;
    char *session_id;
    sbw_tri_t is_first_visit;
    char *context_product_id;
    char *context_product_name;
    char *context_product_category;
    char *context_product_brand;
    char *context_product_price;          /* canonical decimal text, e.g. "1990000", "19.99" */
    char *context_product_discount_price; /* idem */
    char *context_product_url_path;
    int64_t received_at;
    char *page_url;
    char *referrer;
    char *element; /* compact JSON text of the element object */
    char *user_agent;
    char *source_ip; /* anonymised */
    bool is_bot;
    char *client_event_id; /* the client's eventId when it was not a UUID */
    char *raw_object_key;  /* the lake object the row came from */
} sbw_event_t;

/* Maps one event object (an enriched lake object, a bare client object, or an object written
 * by the original Lambda) to a warehouse row, following docs/event-contract.md ("event_id",
 * "event_timestamp", "Columns"). object_key (may be NULL) and record_index identify the record
 * in the lake; they are copied to raw_object_key and used to derive a stable event_id when
 * neither the client nor the ingest assigned one. now_ms is used only when no receive time is
 * known. Lenient with landed data (which may predate validation): optional fields of the wrong
 * type become NULL (as the original ETL did for prices), empty strings become NULL, invalid
 * UTF-8 is replaced by U+FFFD, the User-Agent is cut to SBW_USER_AGENT_MAX bytes, a raw
 * _ingest.sourceIp is anonymised again and a missing _ingest.isBot is derived again.
 * Returns 0 and fills *out (which the caller must later pass to sbw_event_cleanup); or -1 with
 * the reason in err and *out left empty (safe to clean up) when obj is not an object, the event
 * name is missing or invalid, no event id can be derived (no ids and no object_key), or memory
 * runs out. */
__attribute__((warn_unused_result)) int
sbw_event_normalise(const cJSON *obj, const char *object_key, int record_index, int64_t now_ms,
                    sbw_event_t *out, char *err, size_t errlen);

/* Frees the strings of a row and empties it. Accepts NULL and an already cleaned row. */
void sbw_event_cleanup(sbw_event_t *ev);

/* Returns true when s is a UUID in the 8-4-4-4-12 hex form (either case) other than the nil
 * UUID. */
bool sbw_event_uuid_valid(const char *s);

/* Writes to out (SBW_UUID_SIZE bytes) the lowercase name-based UUID v5 (SHA-1) of
 * name[0..len) in the namespace SBW_UUID_NAMESPACE. Deterministic. */
void sbw_event_uuid_v5(const char *name, size_t len, char out[SBW_UUID_SIZE]);

/* Converts a price (a JSON number, or a string holding a decimal number with optional sign,
 * fraction and exponent) to canonical decimal text: no exponent, no leading '+', no superfluous
 * zeros ("019.50" -> "19.5", 1e6 -> "1000000", -0 -> "0"). Numbers are printed with the fewest
 * digits that read back as the same double; strings keep every digit they have. Returns 0
 * with the text in out; -1 when the value is not numeric (or is a string over 60 bytes); -2
 * when its magnitude exceeds SBW_EVENT_NUMBER_MAX, it is not finite, or its plain text would
 * not fit in out (e.g. "1e-100"). Give out at least 64 bytes. Assumes the C locale for numbers
 * (our programs never call setlocale). */
int sbw_event_decimal(const cJSON *v, char *out, size_t outlen);

/* Reads a time value: a string per sbw_time_parse_iso, a string of digits, or a number. A number
 * (or digit string) >= 1e11 is epoch milliseconds; a smaller non-negative one is epoch seconds
 * (fraction allowed). Returns 0 and *out_ms, or -1 when v is not such a value. */
int sbw_event_time_value(const cJSON *v, int64_t *out_ms);

#endif
