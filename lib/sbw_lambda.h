/* sbw_lambda: an AWS Lambda custom runtime (the Runtime API client loop) on libcurl.
 *
 * A `bootstrap` executable calls sbw_lambda_run with the value of AWS_LAMBDA_RUNTIME_API
 * (host:port; the caller reads the environment). The loop long-polls
 * GET /2018-06-01/runtime/invocation/next, calls the handler with the event JSON, and POSTs the
 * handler's result to /invocation/{id}/response or its error to /invocation/{id}/error. When the
 * program cannot start, sbw_lambda_init_error reports it to /runtime/init/error before exiting.
 * See docs/lambda.md.
 *
 * Ownership: the event bytes and the invocation are borrowed by the handler for the duration of
 * the call. The handler's reply body is malloc'd by the handler and owned (freed) by the loop
 * afterwards. One CURL easy handle per sbw_lambda_run call; run one loop per process. */
#ifndef SBW_LAMBDA_H
#define SBW_LAMBDA_H

#include <stddef.h>
#include <stdint.h>

/* Lambda's invocation payload limit is 6 MiB for the event and for the response. */
#define SBW_LAMBDA_MAX_EVENT ((size_t)6 * 1024 * 1024 + 64 * 1024) /* event plus margin */
#define SBW_LAMBDA_MAX_RESPONSE ((size_t)6 * 1024 * 1024)
/* Attempts per Runtime API call on transport errors, with 100, 200, 400 ms between them. */
#define SBW_LAMBDA_ATTEMPTS 4

typedef struct {
    char request_id[128];   /* Lambda-Runtime-Aws-Request-Id (always set) */
    int64_t deadline_ms;    /* Lambda-Runtime-Deadline-Ms, Unix epoch ms; 0 when absent */
    char trace_id[512];     /* Lambda-Runtime-Trace-Id; "" when absent or too long */
    char function_arn[512]; /* Lambda-Runtime-Invoked-Function-Arn; "" when absent or too long */
} sbw_lambda_invocation_t;

typedef struct {
    /* Success: a malloc'd response body (JSON, for API Gateway the v2 response object) of
     * body_len bytes, owned by the loop once the handler returns. NULL sends "null". */
    char *body;
    size_t body_len;
    /* Failure: what the function error reports. An empty error_type becomes "Handler.Error". */
    char error_type[128];
    char error_message[1024];
} sbw_lambda_reply_t;

/* Handles one invocation: event[0..len) is the event JSON (NUL-terminated, not counted).
 * Returns 0 with reply->body set for a response, or non-zero with reply->error_type and
 * reply->error_message set for a function error (any body is then freed unsent). The reply
 * starts zeroed. Called on the thread that runs sbw_lambda_run. */
typedef int (*sbw_lambda_handler_fn)(const sbw_lambda_invocation_t *inv, const char *event,
                                     size_t len, sbw_lambda_reply_t *reply, void *ud);

/* Runs the Runtime API loop against runtime_api ("host:port", from AWS_LAMBDA_RUNTIME_API) until
 * max_invocations invocations were answered (0: forever). Transport errors (connection refused,
 * reset, 502/503/504) are retried SBW_LAMBDA_ATTEMPTS times with short backoff; a 500 from the
 * Runtime API ("container error, exit promptly") is not retried. An event over
 * SBW_LAMBDA_MAX_EVENT is answered with error "Runtime.EventTooLarge" without calling the
 * handler; a response over SBW_LAMBDA_MAX_RESPONSE (or refused with 413) with
 * "Function.ResponseSizeTooLarge". A 400/403 for one invocation's result is logged and the loop
 * continues. Returns 0 after max_invocations, or -1 with err set when runtime_api is malformed or
 * the Runtime API cannot be reached or failed: the process should then exit non-zero, and Lambda
 * starts a new one. Blocks indefinitely while no invocation arrives. */
int sbw_lambda_run(const char *runtime_api, sbw_lambda_handler_fn handler, void *ud,
                   int max_invocations, char *err, size_t errlen);

/* Reports an initialisation failure (POST /2018-06-01/runtime/init/error with
 * {"errorMessage","errorType"} and header Lambda-Runtime-Function-Error-Type), retried like the
 * loop's calls. error_type NULL or "" becomes "Runtime.InitError". Returns 0 when the Runtime API
 * accepted it, -1 with err set otherwise. The caller exits non-zero either way. */
int sbw_lambda_init_error(const char *runtime_api, const char *error_type, const char *message,
                          char *err, size_t errlen);

/* Milliseconds left before inv's deadline at now_ms (Unix epoch ms); negative when past,
 * INT64_MAX when the invocation carries no deadline. Pure. */
int64_t sbw_lambda_remaining_ms(const sbw_lambda_invocation_t *inv, int64_t now_ms);

#endif
