/* sbw-etl: command line of the ETL (load the lake into the warehouse; apply migrations). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "sbw_config.h"
#include "sbw_etl.h"
#include "sbw_lake.h"
#include "sbw_log.h"
#include "sbw_migrate.h"
#include "sbw_pg.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: sbw-etl COMMAND [options]\n"
           "\n"
           "commands:\n"
           "  run [selection] [options]  load lake objects the manifest has not recorded\n"
           "  migrate [--sql-dir DIR]    apply pending warehouse migrations (as the schema owner)\n"
           "  print-config               show the settings in effect (secrets masked)\n"
           "  example-env                print every setting as a commented env file\n"
           "\n"
           "run selection (default: catch up from the last complete hour minus the lookback;\n"
           "the first run takes the whole lake). In priority order:\n"
           "  --prefix P          every object under key prefix P (e.g. events/2026/11/27/)\n"
           "  --hour T            the UTC hour of T (ISO 8601, epoch seconds or ms)\n"
           "  --date YYYY-MM-DD   the whole UTC day\n"
           "  --hours-back N      the N complete hours before the current one\n"
           "  --scope day         widen --hour / --hours-back to whole UTC days\n"
           "run options:\n"
           "  --reload            load selected objects again even if the manifest has them\n"
           "                      (rows already in the warehouse count as duplicates)\n"
           "  --retry-rejected    load selected objects the manifest recorded as rejected\n"
           "  --dry-run           list and count only; write nothing\n"
           "  --every INTERVAL    run again every INTERVAL (90s, 15m, 1h, 1d) until SIGTERM\n"
           "  --trigger NAME      recorded in etl_runs.trigger (cli, timer; default cli)\n"
           "\n"
           "Prints one JSON summary line per run on stdout; progress goes to stderr.\n"
           "Exit status: 0 succeeded / skipped (another run holds the lock), 1 failed, 2 usage.\n"
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

static int set_opt(char *dst, size_t len, const char *name, const char *val)
{
    if (strlen(val) >= len || !*val) {
        fprintf(stderr, "sbw-etl run: %s: empty or too long\n", name);
        return -1;
    }
    snprintf(dst, len, "%s", val);
    return 0;
}

static int cmd_run(const sbw_cfg_t *cfg, int argc, char **argv)
{
    sbw_etl_opts_t o;
    memset(&o, 0, sizeof o);
    sbw_etl_sel_init(&o.sel);
    o.trigger = "cli";
    o.stop = &stop_flag;
    long every = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--reload") == 0) {
            o.reload = 1, takes = 0;
        } else if (strcmp(a, "--retry-rejected") == 0) {
            o.retry_rejected = 1, takes = 0;
        } else if (strcmp(a, "--dry-run") == 0) {
            o.dry_run = 1, takes = 0;
        } else if (!v) {
            fprintf(stderr, "sbw-etl run: unknown argument or missing value: '%s'\n", a);
            return 2;
        } else if (strcmp(a, "--prefix") == 0) {
            if (set_opt(o.sel.prefix, sizeof o.sel.prefix, a, v))
                return 2;
        } else if (strcmp(a, "--hour") == 0) {
            if (set_opt(o.sel.hour, sizeof o.sel.hour, a, v))
                return 2;
        } else if (strcmp(a, "--date") == 0) {
            if (set_opt(o.sel.date, sizeof o.sel.date, a, v))
                return 2;
        } else if (strcmp(a, "--hours-back") == 0) {
            char *end;
            o.sel.hours_back = strtol(v, &end, 10);
            if (*end || o.sel.hours_back < 1 || o.sel.hours_back > SBW_ETL_HOURS_BACK_MAX) {
                fprintf(stderr, "sbw-etl run: --hours-back: expected 1..%d\n",
                        SBW_ETL_HOURS_BACK_MAX);
                return 2;
            }
        } else if (strcmp(a, "--scope") == 0) {
            if (strcmp(v, "day") != 0 && strcmp(v, "hour") != 0) {
                fprintf(stderr, "sbw-etl run: --scope: expected day or hour\n");
                return 2;
            }
            o.sel.scope_day = strcmp(v, "day") == 0;
        } else if (strcmp(a, "--every") == 0) {
            every = sbw_etl_parse_interval(v);
            if (every <= 0) {
                fprintf(stderr, "sbw-etl run: --every: expected e.g. 90s, 15m, 1h, 1d\n");
                return 2;
            }
        } else if (strcmp(a, "--trigger") == 0) {
            if (strcmp(v, "cli") != 0 && strcmp(v, "timer") != 0) {
                fprintf(stderr, "sbw-etl run: --trigger: expected cli or timer\n");
                return 2;
            }
            o.trigger = strcmp(v, "cli") == 0 ? "cli" : "timer";
        } else {
            fprintf(stderr, "sbw-etl run: unknown argument '%s'\n", a);
            return 2;
        }
        i += takes;
    }
    char cwd[2048], err[1024];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    sbw_etl_settings_t *st = calloc(1, sizeof *st);
    if (!st)
        return 1;
    if (sbw_etl_settings_load(cfg, sbw_cfg_getenv, NULL, cwd, st, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-etl: configuration error: %s\n", err);
        free(st);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int rc = 0;
    for (;;) {
        time_t started = time(NULL);
        sbw_etl_summary_t sum;
        rc = sbw_etl_run(cfg, st, &o, &sum);
        char *json = sbw_etl_summary_json(&sum);
        printf("%s\n", json ? json : "{\"status\":\"failed\",\"error\":\"out of memory\"}");
        fflush(stdout);
        free(json);
        if (rc != 0)
            SBW_ERROR(NULL, "%s", sum.error);
        if (!every || stop_flag)
            break;
        /* Like EventBridge rate(): the next run starts every seconds after this one started. */
        while (!stop_flag && time(NULL) < started + every)
            sleep(1);
        if (stop_flag)
            break;
    }
    free(st);
    return every && stop_flag ? 0 : rc;
}

static void print_example(void)
{
    size_t n;
    const sbw_cfg_var_t *v = sbw_etl_cfg_vars(&n);
    printf("# sbw-etl settings (environment variables). Lake:\n");
    const sbw_cfg_var_t *lv = sbw_lake_cfg_vars(&n);
    sbw_cfg_print_example(lv, n, stdout);
    printf("\n# Warehouse, batches, refresh hook:\n");
    v = sbw_etl_cfg_vars(&n);
    sbw_cfg_print_example(v, n, stdout);
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
        print_example();
        return 0;
    }
    size_t nvars;
    const sbw_cfg_var_t *vars = sbw_etl_cfg_vars(&nvars);
    sbw_cfg_t cfg;
    if (sbw_cfg_load(vars, nvars, sbw_cfg_getenv, NULL, &cfg, err, sizeof err) != 0) {
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
        size_t ln;
        const sbw_cfg_var_t *lv = sbw_lake_cfg_vars(&ln);
        sbw_cfg_t lcfg;
        if (sbw_cfg_load(lv, ln, sbw_cfg_getenv, NULL, &lcfg, err, sizeof err) == 0) {
            sbw_cfg_print(&lcfg, stdout);
            sbw_cfg_cleanup(&lcfg);
        }
        rc = 0;
    } else if (strcmp(cmd, "run") == 0) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = cmd_run(&cfg, argc - 2, argv + 2);
        curl_global_cleanup();
    } else {
        fprintf(stderr, "sbw-etl: unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    sbw_cfg_cleanup(&cfg);
    return rc;
}
