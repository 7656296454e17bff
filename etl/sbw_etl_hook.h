/* sbw_etl_hook: the analytics server's refresh hook, POSTed after a load (libcurl). */
#ifndef SBW_ETL_HOOK_H
#define SBW_ETL_HOOK_H

#include <stddef.h>

/* POSTs body (JSON) to url with "Authorization: Bearer <token>" (omitted when token is NULL
 * or ""), connect and total timeout timeout_ms, no redirects, no retries. Returns 0 when the
 * server answered 2xx; otherwise -1 with why in err ("HTTP 401", "Couldn't connect to server"),
 * never containing the token. */
int sbw_etl_hook_post(const char *url, const char *token, long timeout_ms, const char *body,
                      char *err, size_t errlen);

#endif
