/* sbw_lakefmt: the raw-event lake FORMAT: enriched events written as NDJSON lines, and lake
 * objects read back as a stream of records. (Storage of the objects, file or S3, is sbw_lake.)
 *
 * A lake object written by our ingest is NDJSON: one compact JSON object per line, each line
 * ending in "\n". Objects written by the original Lambda hold one object, compact or
 * pretty-printed; some tools wrote a JSON array of objects. sbw_lake_parse reads all three.
 * The functions keep the sbw_lake_ prefix they were first published with.
 * Ownership: records handed to the callback are borrowed and freed when it returns. Pure and
 * thread-safe (apart from cJSON's never-read global error slot). */
#ifndef SBW_LAKEFMT_H
#define SBW_LAKEFMT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sbw_buf.h"

/* Records nested deeper than this are reported as errors rather than parsed. */
#define SBW_LAKE_MAX_DEPTH 64

/* Appends obj to buf as one line: cJSON_PrintUnformatted output (which escapes every control
 * character, so the line holds no raw newline) followed by "\n". Returns 0; or -1 with the
 * reason in err when obj cannot be printed (out of memory) or buf's cap would be exceeded; buf
 * is then unchanged. Does not modify obj. */
__attribute__((warn_unused_result)) int sbw_lake_line_append(sbw_buf_t *buf, const cJSON *obj,
                                                             char *err, size_t errlen);

/* Called once per record in order. Exactly one of obj (a parsed JSON object, borrowed) and
 * error (why the record was skipped, e.g. "record 2: invalid JSON at byte 812") is non-NULL.
 * index counts records from 0, bad ones included. Return 0 to go on, non-zero to stop. */
typedef int (*sbw_lake_record_fn)(const cJSON *obj, int index, const char *error, void *ud);

/* Parses data[0..len) (need not be NUL-terminated; a leading UTF-8 BOM is skipped) as a lake
 * object and calls fn per record. Shapes: a JSON array of objects (each element a record; if
 * the array itself is malformed, one error covers the rest); otherwise a sequence of JSON
 * values separated by whitespace (NDJSON, one compact object, one pretty-printed object,
 * concatenated objects). A bad record is reported and reading resumes at the next line that
 * starts with '{' in column 0; bytes with no such line after them are reported as one error.
 * Records that are not objects or are nested deeper than SBW_LAKE_MAX_DEPTH are reported as
 * errors. Byte offsets in messages count from the start of data. Returns 0 when the data was
 * read to the end, 1 when fn stopped it, -1 when out of memory. */
int sbw_lake_parse(const char *data, size_t len, sbw_lake_record_fn fn, void *ud);

#endif
