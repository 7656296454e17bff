/* sbw_pg: connecting to the warehouse from a program's settings (see sbw_pg.h). */
#include "sbw_pg.h"

#include <stdio.h>
#include <string.h>

const char *sbw_pg_sslmode(const char *v)
{
    static const char *modes[] = {"disable", "allow", "prefer", "require", "verify-ca",
                                  "verify-full"};
    int b;
    if (!v)
        return NULL;
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
        if (strcmp(v, modes[i]) == 0)
            return modes[i];
    if (sbw_cfg_parse_bool(v, &b) == 0)
        return b ? "require" : "disable";
    return NULL;
}

void sbw_pg_error(PGconn *conn, const char *what, char *err, size_t errlen)
{
    const char *m = conn ? PQerrorMessage(conn) : "no connection";
    size_t l = strcspn(m, "\n");
    snprintf(err, errlen, "%s: %.*s", what, (int)l, m);
}

int sbw_pg_connect(const sbw_cfg_t *cfg, const char *application_name, PGconn **out, char *err,
                   size_t errlen)
{
    const char *keys[12];
    const char *vals[12];
    int n = 0;
    *out = NULL;
    const char *dsn = sbw_cfg_str(cfg, "SBW_PG_DSN");
    if (dsn) {
        keys[n] = "dbname";
        vals[n++] = dsn;
    }
    struct {
        const char *setting, *keyword;
    } map[] = {{"DW_PG_HOST", "host"},
               {"DW_PG_PORT", "port"},
               {"DW_PG_USER", "user"},
               {"DW_PG_PASSWORD", "password"},
               {"DW_PG_SSL_ROOT_CERT", "sslrootcert"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        const char *v = sbw_cfg_str(cfg, map[i].setting);
        if (v) {
            keys[n] = map[i].keyword;
            vals[n++] = v;
        }
    }
    /* DW_PG_DATABASE when set; else the DSN's own; else clickstream_dw. */
    const char *db = sbw_cfg_str(cfg, "DW_PG_DATABASE");
    if (db || !dsn) {
        keys[n] = "dbname";
        vals[n++] = db ? db : "clickstream_dw";
    }
    const char *ssl = sbw_cfg_str(cfg, "DW_PG_SSL");
    if (ssl) {
        const char *mode = sbw_pg_sslmode(ssl);
        if (!mode) {
            snprintf(err, errlen,
                     "DW_PG_SSL: '%s' is neither true/false nor a libpq sslmode", ssl);
            return -1;
        }
        keys[n] = "sslmode";
        vals[n++] = mode;
    }
    keys[n] = "application_name";
    vals[n++] = application_name;
    keys[n] = "connect_timeout";
    vals[n++] = "10";
    keys[n] = NULL;
    vals[n] = NULL;

    PGconn *conn = PQconnectdbParams(keys, vals, dsn ? 1 : 0);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        char why[512];
        sbw_pg_error(conn, "connection failed", why, sizeof why);
        const char *host = conn ? PQhost(conn) : NULL;
        const char *port = conn ? PQport(conn) : NULL;
        const char *name = conn ? PQdb(conn) : NULL;
        snprintf(err, errlen, "warehouse %s:%s/%s: %s", host ? host : "?", port ? port : "?",
                 name ? name : "?", why);
        PQfinish(conn);
        return -1;
    }
    *out = conn;
    return 0;
}
