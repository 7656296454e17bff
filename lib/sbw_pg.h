/* sbw_pg: connecting to the warehouse from a program's settings.
 *
 * The settings are the original system's names (DW_PG_HOST, DW_PG_PORT, DW_PG_USER,
 * DW_PG_PASSWORD, DW_PG_DATABASE, DW_PG_SSL), the workshop text's aliases (DWH_*), an
 * optional libpq DSN (SBW_PG_DSN) and a CA file for verify-full. Whatever is unset is left
 * to libpq, so its own PG* variables and ~/.pgpass keep working. No string is pasted into a
 * conninfo: every value goes through PQconnectdbParams. */
#ifndef SBW_PG_H
#define SBW_PG_H

#include <libpq-fe.h>

#include "sbw_config.h"

/* Entries to put in a program's sbw_cfg_var_t table. */
#define SBW_PG_CFG_VARS                                                                            \
    {"SBW_PG_DSN", NULL, SBW_CFG_STR, NULL, 0, 0, 1,                                              \
     "libpq connection string or URI; the DW_PG_* settings override its parts"},                  \
        {"DW_PG_HOST", "DWH_HOST", SBW_CFG_STR, NULL, 0, 0, 0,                                     \
         "warehouse host (unset: libpq's PGHOST, else the local socket)"},                         \
        {"DW_PG_PORT", "DWH_PORT", SBW_CFG_INT, NULL, 1, 65535, 0, "warehouse port (5432)"},      \
        {"DW_PG_USER", "DWH_USER", SBW_CFG_STR, NULL, 0, 0, 0, "warehouse role"},                 \
        {"DW_PG_PASSWORD", "DWH_PASSWORD", SBW_CFG_STR, NULL, 0, 0, 1, "warehouse password"},     \
        {"DW_PG_DATABASE", "DWH_DATABASE DWH_DB", SBW_CFG_STR, NULL, 0, 0, 0,                      \
         "warehouse database (unset: the DSN's, else clickstream_dw)"},                                                                    \
        {"DW_PG_SSL", "DWH_SSL", SBW_CFG_STR, NULL, 0, 0, 0,                                       \
         "TLS: true|false or a libpq sslmode (disable, prefer, require, verify-ca, verify-full)"}, \
    {                                                                                              \
        "DW_PG_SSL_ROOT_CERT", "DWH_SSL_ROOT_CERT", SBW_CFG_STR, NULL, 0, 0, 0,                    \
            "CA certificate file for sslmode verify-ca / verify-full"                              \
    }

/* Maps DW_PG_SSL to a libpq sslmode: true/1/yes/on -> "require", false/0/no/off ->
 * "disable", a libpq sslmode name -> itself. Returns NULL for anything else. */
const char *sbw_pg_sslmode(const char *dw_pg_ssl);

/* Opens a connection with the settings in cfg (a table that includes SBW_PG_CFG_VARS).
 * application_name is shown in pg_stat_activity. Returns 0 and *out, or -1 with a message
 * in err (host, port, database and libpq's reason; never the password) and *out NULL. */
int sbw_pg_connect(const sbw_cfg_t *cfg, const char *application_name, PGconn **out, char *err,
                   size_t errlen);

/* Copies libpq's last error for conn into err without the trailing newline. */
void sbw_pg_error(PGconn *conn, const char *what, char *err, size_t errlen);

#endif
