/* sbw_ingest_settings: the collector's settings (one table, read once at start) and the
 * handler configuration and lake location built from them. Shared by sbw-ingest and its Lambda
 * bootstrap, so both read the same variables. */
#ifndef SBW_INGEST_SETTINGS_H
#define SBW_INGEST_SETTINGS_H

#include "sbw_config.h"
#include "sbw_ingest.h"
#include "sbw_lake.h"
#include "sbw_log.h"

typedef struct {
    sbw_cfg_t cfg;               /* every SBW_INGEST_* value (owned) */
    sbw_log_level_t log_level;
    sbw_ingest_config_t ingest;  /* limits and CORS for the handler */
    sbw_lake_opts_t lake_opts;   /* S3 settings from the AWS variables; create on */
    char lake_url[SBW_LAKE_URL_MAX + 64]; /* SBW_LAKE, s3://$RAW_BUCKET_NAME, s3://$RAW_BUCKET,
                                             else file://$PWD/var/lake/clickstream-s3-ingest */
} sbw_ingest_settings_t;

/* The settings table (static) and its length. */
const sbw_cfg_var_t *sbw_ingest_settings_vars(size_t *n);

/* Reads every setting through lookup. Returns 0, or -1 with a message naming the variable
 * (nothing to clean up then). */
int sbw_ingest_settings_load(sbw_ingest_settings_t *s, sbw_cfg_lookup_fn lookup, void *ud,
                             char *err, size_t errlen);

/* Frees what load allocated; accepts NULL. */
void sbw_ingest_settings_cleanup(sbw_ingest_settings_t *s);

#endif
