/* sbw_runtime_api: a fake AWS Lambda Runtime API (a real HTTP server on CivetWeb) for tests.
 *
 * It listens on 127.0.0.1 on a free port and speaks the 2018-06-01 Runtime API: GET
 * /runtime/invocation/next hands out queued events one at a time (blocking until one is queued,
 * or answering 500 once the server is stopping); POST /runtime/invocation/{id}/response and
 * /error, and POST /runtime/init/error, are recorded (body and headers) for the test to inspect.
 * Like the real one it answers 202 to accepted results, 400 to an unknown or already answered
 * request id, and 413 to a body over 6 MiB.
 *
 * Thread-safe: all state lives in the sbw_runtime_api_t (CivetWeb's handlers run on several
 * threads), guarded by one mutex. Setup failures abort the current test through ck_assert, as in
 * sbw_test.h. Results handed out are copies owned by the caller (sbw_runtime_api_result_cleanup).
 */
#ifndef SBW_RUNTIME_API_H
#define SBW_RUNTIME_API_H

#include <stddef.h>
#include <stdint.h>

typedef struct sbw_runtime_api sbw_runtime_api_t;

typedef enum { SBW_RUNTIME_API_RESPONSE = 1, SBW_RUNTIME_API_ERROR } sbw_runtime_api_kind_t;

typedef struct {
    sbw_runtime_api_kind_t kind; /* which endpoint the first POST went to */
    char *body;                  /* the first POST's body, NUL-terminated (owned) */
    size_t body_len;
    char *error_type;   /* its Lambda-Runtime-Function-Error-Type header, or NULL (owned) */
    char *content_type; /* its Content-Type header, or NULL (owned) */
    int posts;          /* POSTs received for this request id (1 for a well-behaved runtime) */
} sbw_runtime_api_result_t;

/* Starts a server on 127.0.0.1 and a free port. Stop it with sbw_runtime_api_stop. */
sbw_runtime_api_t *sbw_runtime_api_start(void);

/* "127.0.0.1:<port>", the value AWS_LAMBDA_RUNTIME_API would have (borrowed from rt). */
const char *sbw_runtime_api_address(const sbw_runtime_api_t *rt);

/* Queues an invocation: event[0..len) is served as the body of invocation/next with headers
 * Lambda-Runtime-Aws-Request-Id: request_id, Lambda-Runtime-Deadline-Ms: deadline_ms (omitted
 * when 0), Lambda-Runtime-Trace-Id and Lambda-Runtime-Invoked-Function-Arn (omitted when NULL).
 * Everything is copied. Events are handed out in queue order. */
void sbw_runtime_api_queue(sbw_runtime_api_t *rt, const char *request_id, const char *event,
                           size_t len, int64_t deadline_ms, const char *trace_id,
                           const char *function_arn);

/* Waits up to timeout_ms for a result POSTed for request_id and copies it into *out.
 * Returns 0, or -1 on timeout (or unknown id) with *out zeroed. */
int sbw_runtime_api_wait_result(sbw_runtime_api_t *rt, const char *request_id, int timeout_ms,
                                sbw_runtime_api_result_t *out);

/* Waits up to timeout_ms for a POST to /runtime/init/error and copies the first one into *out
 * (kind SBW_RUNTIME_API_ERROR). Returns 0, or -1 on timeout. */
int sbw_runtime_api_wait_init_error(sbw_runtime_api_t *rt, int timeout_ms,
                                    sbw_runtime_api_result_t *out);

/* Waits up to timeout_ms until a GET invocation/next is blocked for want of events (the runtime
 * has answered everything it was given and polls again). Returns 0, or -1 on timeout. */
int sbw_runtime_api_wait_polling(sbw_runtime_api_t *rt, int timeout_ms);

/* How many events GET invocation/next has handed out so far. */
int sbw_runtime_api_delivered(sbw_runtime_api_t *rt);

/* How many result POSTs named a request id never handed out, or were malformed or too large. */
int sbw_runtime_api_stray_posts(sbw_runtime_api_t *rt);

/* Frees what a result owns and zeroes it. Accepts NULL. */
void sbw_runtime_api_result_cleanup(sbw_runtime_api_result_t *res);

/* Wakes any blocked invocation/next (which then answers 500), stops the server and frees
 * everything. Accepts NULL. */
void sbw_runtime_api_stop(sbw_runtime_api_t *rt);

#endif
