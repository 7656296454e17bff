/* sbw_ingest_settings: the collector's settings table and what is built from it, shared by
 * sbw-ingest (CivetWeb) and its Lambda bootstrap. */
#include "sbw_ingest_settings.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const sbw_cfg_var_t ingest_vars[] = {
    {"SBW_INGEST_LISTEN", NULL, SBW_CFG_STR, "127.0.0.1:8080", 0, 0, 0,
     "address:port to listen on (CivetWeb listening_ports syntax, e.g. 0.0.0.0:8080)"},
    {"SBW_INGEST_THREADS", NULL, SBW_CFG_INT, "256", 2, 4096, 0,
     "request threads = connections served at once (CivetWeb keeps one per keep-alive "
     "connection; more connections wait)"},
    {"SBW_INGEST_KEEP_ALIVE_MS", NULL, SBW_CFG_INT, "5000", 0, 600000, 0,
     "how long an idle keep-alive connection may hold its thread"},
    {"SBW_INGEST_BACKLOG", NULL, SBW_CFG_INT, "1024", 1, 65535, 0,
     "connections waiting to be accepted beyond the threads"},
    {"SBW_INGEST_MAX_BODY_BYTES", NULL, SBW_CFG_INT, "1048576", 1024, 67108864, 0,
     "largest request body, after gzip decoding too (413 beyond)"},
    {"SBW_INGEST_MAX_EVENTS", NULL, SBW_CFG_INT, "500", 1, 100000, 0,
     "most events in one request (413 beyond)"},
    {"SBW_INGEST_MAX_HEADER_BYTES", NULL, SBW_CFG_INT, "16384", 1024, 1048576, 0,
     "largest request line + headers"},
    {"SBW_INGEST_REQUEST_TIMEOUT_MS", NULL, SBW_CFG_INT, "10000", 100, 600000, 0,
     "a client slower than this to send its request is cut off"},
    {"SBW_INGEST_CORS_ORIGINS", NULL, SBW_CFG_STR, "*", 0, 0, 0,
     "allowed browser origins, comma separated, or * (any, as the original)"},
    {"SBW_INGEST_TRUSTED_PROXIES", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "addresses of load balancers whose X-Forwarded-For is believed (default: none)"},
    {"SBW_INGEST_GROUP_COMMIT_US", NULL, SBW_CFG_INT, "2000", 0, 1000000, 0,
     "how long a request waits for others to share its lake object (microseconds)"},
    {"SBW_INGEST_WRITERS", NULL, SBW_CFG_INT, "0", 0, 16, 0,
     "lake writes running at once; 0 = auto: 1 for a local folder (the next object is staged "
     "while earlier ones are published; more cost CPU and did not raise throughput), 4 for S3 "
     "(network latency)"},
    {"SBW_INGEST_RT_PRIORITY", NULL, SBW_CFG_INT, "1", 0, 99, 0,
     "real-time (SCHED_FIFO) priority of the lake writes, so busy request threads do not "
     "delay them; 0 = off. Needs root, CAP_SYS_NICE or an RLIMIT_RTPRIO this high (systemd: "
     "LimitRTPRIO=1); if refused, the writes run at normal priority (logged)"},
    {"SBW_INGEST_MAX_BATCH_BYTES", NULL, SBW_CFG_INT, "8388608", 1024, 268435456, 0,
     "a lake object is written once it holds this many bytes"},
    {"SBW_INGEST_MAX_PENDING_BYTES", NULL, SBW_CFG_INT, "134217728", 65536, 4294967296, 0,
     "bytes waiting for storage beyond which requests get 503"},
    {"SBW_INGEST_WEB_ROOT", NULL, SBW_CFG_STR, NULL, 0, 0, 0,
     "folder served as static files (clickstream.js, demo pages); default: the web/ folder"},
    {"SBW_LOG_LEVEL", NULL, SBW_CFG_STR, "info", 0, 0, 0, "debug, info, warn or error"},
};
#define NVARS (sizeof ingest_vars / sizeof *ingest_vars)

const sbw_cfg_var_t *sbw_ingest_settings_vars(size_t *n)
{
    *n = NVARS;
    return ingest_vars;
}

int sbw_ingest_settings_load(sbw_ingest_settings_t *s, sbw_cfg_lookup_fn lookup, void *ud,
                             char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (sbw_cfg_load(ingest_vars, NVARS, lookup, ud, &s->cfg, err, errlen) != 0)
        return -1;
    if (sbw_log_level_parse(sbw_cfg_str(&s->cfg, "SBW_LOG_LEVEL"), &s->log_level) != 0) {
        snprintf(err, errlen, "SBW_LOG_LEVEL: not debug/info/warn/error");
        goto fail;
    }
    sbw_ingest_config_init(&s->ingest);
    s->ingest.limits.max_body_bytes = (size_t)sbw_cfg_int(&s->cfg, "SBW_INGEST_MAX_BODY_BYTES");
    s->ingest.limits.max_events = (size_t)sbw_cfg_int(&s->cfg, "SBW_INGEST_MAX_EVENTS");
    char why[512];
    if (sbw_ingest_config_origins(&s->ingest, sbw_cfg_str(&s->cfg, "SBW_INGEST_CORS_ORIGINS"),
                                  why, sizeof why) != 0) {
        snprintf(err, errlen, "SBW_INGEST_CORS_ORIGINS: %s", why);
        goto fail;
    }
    if (sbw_lake_opts_from_env(&s->lake_opts, lookup, ud, err, errlen) != 0)
        goto fail;
    s->lake_opts.create = 1;
    int have = sbw_lake_url_from_env(lookup, ud, s->lake_url, sizeof s->lake_url, err, errlen);
    if (have < 0)
        goto fail;
    if (have == 0) {
        char cwd[PATH_MAX - 64];
        if (!getcwd(cwd, sizeof cwd)) {
            snprintf(err, errlen, "cannot read the current folder for the default lake");
            goto fail;
        }
        snprintf(s->lake_url, sizeof s->lake_url, "file://%s/var/lake/clickstream-s3-ingest", cwd);
    }
    return 0;
fail:
    sbw_cfg_cleanup(&s->cfg);
    return -1;
}

void sbw_ingest_settings_cleanup(sbw_ingest_settings_t *s)
{
    if (s)
        sbw_cfg_cleanup(&s->cfg);
}
