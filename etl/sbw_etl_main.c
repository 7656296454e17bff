/* sbw-etl: command line of the ETL (load the lake into the warehouse; apply migrations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbw_config.h"
#include "sbw_log.h"
#include "sbw_migrate.h"
#include "sbw_pg.h"

static const sbw_cfg_var_t etl_vars[] = {
    SBW_PG_CFG_VARS,
    {"SBW_LOG_LEVEL", NULL, SBW_CFG_STR, "info", 0, 0, 0, "debug, info, warn or error"},
};
#define ETL_NVARS (sizeof etl_vars / sizeof *etl_vars)

static void usage(FILE *f)
{
    fprintf(f, "usage: sbw-etl COMMAND [options]\n"
               "\n"
               "commands:\n"
               "  migrate [--sql-dir DIR]  apply pending warehouse migrations (as the schema owner)\n"
               "  run [...]                load new lake objects (not yet implemented: issue #4)\n"
               "  print-config             show the settings in effect (secrets masked)\n"
               "  example-env              print every setting as a commented env file\n"
               "\n"
               "Settings come from the environment; see `sbw-etl example-env`.\n");
}

static int cmd_migrate(const sbw_cfg_t *cfg, int argc, char **argv)
{
    const char *explicit_dir = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc) {
            explicit_dir = argv[++i];
        } else {
            fprintf(stderr, "sbw-etl migrate: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    char dir[4096], err[1024];
    if (sbw_migrate_find_dir(explicit_dir, dir, sizeof dir) != 0) {
        SBW_ERROR(NULL, "migrations folder not found (%s); pass --sql-dir",
                  explicit_dir ? explicit_dir : "looked beside the program and in the source tree");
        return 1;
    }
    PGconn *conn = NULL;
    if (sbw_pg_connect(cfg, "sbw-etl migrate", &conn, err, sizeof err) != 0) {
        SBW_ERROR(NULL, "%s", err);
        return 1;
    }
    int applied = 0;
    int rc = sbw_migrate_apply(conn, dir, &applied, err, sizeof err);
    PQfinish(conn);
    if (rc != 0) {
        SBW_ERROR(NULL, "%s", err);
        return 1;
    }
    printf("{\"migrations_applied\":%d,\"sql_dir\":\"%s\"}\n", applied, dir);
    return 0;
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "example-env") == 0) {
        sbw_cfg_print_example(etl_vars, ETL_NVARS, stdout);
        return 0;
    }
    sbw_cfg_t cfg;
    if (sbw_cfg_load(etl_vars, ETL_NVARS, sbw_cfg_getenv, NULL, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-etl: configuration error: %s\n", err);
        return 2;
    }
    sbw_log_level_t level = SBW_LOG_INFO;
    if (sbw_log_level_parse(sbw_cfg_str(&cfg, "SBW_LOG_LEVEL"), &level) != 0) {
        fprintf(stderr, "sbw-etl: configuration error: SBW_LOG_LEVEL: not debug/info/warn/error\n");
        sbw_cfg_cleanup(&cfg);
        return 2;
    }
    sbw_log_init("sbw-etl", level);
    int rc;
    if (strcmp(cmd, "migrate") == 0) {
        rc = cmd_migrate(&cfg, argc - 2, argv + 2);
    } else if (strcmp(cmd, "print-config") == 0) {
        sbw_cfg_print(&cfg, stdout);
        rc = 0;
    } else if (strcmp(cmd, "run") == 0) {
        fprintf(stderr, "sbw-etl run: not yet implemented (issue #4)\n");
        rc = 2;
    } else {
        fprintf(stderr, "sbw-etl: unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    sbw_cfg_cleanup(&cfg);
    return rc;
}
