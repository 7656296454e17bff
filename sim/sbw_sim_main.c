/* sbw-sim: the shopper simulator (lake backfill or HTTP traffic) and the REES46 CSV importer. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sbw_buf.h"
#include "sbw_config.h"
#include "sbw_lake.h"
#include "sbw_log.h"
#include "sbw_sim_catalog.h"
#include "sbw_sim_gen.h"
#include "sbw_sim_lake.h"
#include "sbw_sim_post.h"
#include "sbw_sim_rees46.h"
#include "sbw_time.h"

#define DAY_MS 86400000LL

static const char USAGE[] =
    "usage:\n"
    "  sbw-sim lake   [--lake URL] [size and shape options] [--group N] [--writers N]\n"
    "  sbw-sim post   --url URL [size and shape options] [--threads N] [--rate R]\n"
    "                 [--duration S] [--attempts N] [--quiet]\n"
    "  sbw-sim import --format rees46 FILE.csv (--lake URL | --url URL) [--payload P]\n"
    "                 [--batch N] [lake or post options]\n"
    "  sbw-sim catalog     print the simulated store's catalogue, one JSON product a line\n"
    "  sbw-sim --help\n"
    "\n"
    "Simulates shoppers of a computer store (docs/simulator.md) and writes their events\n"
    "either straight into the lake with historical receive times (lake) or to an ingest URL\n"
    "(post). The same seed and options give byte-identical events.\n"
    "\n"
    "Size and time:\n"
    "  --seed N              random seed (default 1)\n"
    "  --days D              days of history (default 7 for lake, 1 for post)\n"
    "  --end ISO             end of the history (default now), e.g. 2026-11-27T00:00:00Z\n"
    "  --events N            exactly N events (the traffic is scaled to put about N in the range)\n"
    "  --visits-per-day V    traffic without --events (default 1500 visits a day)\n"
    "  --rate R              post: send R events per second; with --duration S, R*S events\n"
    "  --duration S          post: seconds to run at --rate\n"
    "Shape:\n"
    "  --payload original|tracker  original storefront (one object per request, default) or\n"
    "                        our tracker (eventTimestamp, sentAt, batches)\n"
    "  --batch N             tracker: most events per request (default 50, at most 500)\n"
    "  --flush-ms MS         tracker: a request closes when the next event is more than MS\n"
    "                        after its first (default 5000; large values fill --batch)\n"
    "  --site URL            origin of page URLs (default https://shop.example)\n"
    "  --bots S --returning S --accounts S --gaps S --fallback-ids S\n"
    "                        shares from 0 to 1 (defaults 0.03 0.35 0.35 0.04 0.02)\n"
    "  --funnel A,B,C,D,E    continuation rates home>category>product>cart>checkout_start>\n"
    "                        checkout_complete (default 0.70,0.75,0.28,0.55,0.70)\n"
    "Lake output:\n"
    "  --lake URL            file:///abs/folder or s3://bucket[/prefix] (default $SBW_LAKE,\n"
    "                        s3://$RAW_BUCKET_NAME, else "
    "file://$PWD/var/lake/clickstream-s3-ingest);\n"
    "                        S3 settings from AWS_* (docs/lake.md)\n"
    "  --group N             most events per object (default 500)\n"
    "  --writers N           objects written at once (default 2)\n"
    "HTTP output:\n"
    "  --url URL             e.g. http://127.0.0.1:8080/clickstream\n"
    "  --threads N           concurrent keep-alive connections (default 8)\n"
    "  --attempts N          tries per request on 503 or a network error (default 8)\n"
    "  --quiet               no progress line on stderr\n"
    "Import:\n"
    "  --format rees46       event_time,event_type,product_id,category_id,category_code,brand,\n"
    "                        price,user_id,user_session (the public e-commerce behaviour data)\n"
    "Other:\n"
    "  --log-level L         debug, info (default), warn or error: the lake's S3 retries\n"
    "\n"
    "Prints one JSON summary line on stdout; exit status 0 when everything was stored,\n"
    "1 when something failed (post: a request given up), 2 for bad usage.\n";

typedef struct {
    const char *cmd;
    sbw_sim_opts_t gen;
    sbw_sim_post_opts_t post;
    const char *lake_url;
    int group, writers;
    double days;
    int days_set;
    int64_t end_ms;
    int end_set;
    int64_t events;
    double visits_per_day;
    double duration;
    const char *format;
    const char *file;
    int quiet;
    int group_set, writers_set, threads_set, attempts_set;
} args_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "sbw-sim: <message>" and a pointer to --help; returns the usage exit status 2. */
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sbw-sim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(sbw-sim --help for usage)\n");
    va_end(ap);
    return 2;
}

static int parse_double(const char *flag, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi)) {
        fprintf(stderr, "sbw-sim: %s: expected a number from %g to %g, got '%s'\n", flag, lo, hi,
                v);
        return -1;
    }
    *out = d;
    return 0;
}

static int parse_int(const char *flag, const char *v, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        fprintf(stderr, "sbw-sim: %s: expected a whole number from %lld to %lld, got '%s'\n", flag,
                lo, hi, v);
        return -1;
    }
    *out = n;
    return 0;
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Parses argv[2..]; returns 0, or 2 after printing what is wrong. */
static int parse_args(int argc, char **argv, args_t *a)
{
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "--help") == 0 || strcmp(f, "-h") == 0) {
            fputs(USAGE, stdout);
            exit(0);
        }
        if (strcmp(f, "--quiet") == 0) {
            a->quiet = 1;
            continue;
        }
        if (f[0] != '-' || f[1] != '-') {
            if (strcmp(a->cmd, "import") == 0 && !a->file) {
                a->file = f;
                continue;
            }
            return usage_error("unexpected argument '%s'", f);
        }
        if (i + 1 >= argc)
            return usage_error("%s: missing value", f);
        const char *v = argv[++i];
        long long n;
        double d;
        if (strcmp(f, "--seed") == 0) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-')
                return usage_error("--seed: expected a whole number >= 0, got '%s'", v);
            a->gen.seed = s;
        } else if (strcmp(f, "--days") == 0) {
            if (parse_double(f, v, 0.001, 3650, &a->days))
                return 2;
            a->days_set = 1;
        } else if (strcmp(f, "--end") == 0) {
            if (sbw_time_parse_iso(v, &a->end_ms) != 0)
                return usage_error("--end: expected an ISO 8601 time such as "
                                   "2026-11-27T00:00:00Z, got '%s'",
                                   v);
            a->end_set = 1;
        } else if (strcmp(f, "--events") == 0) {
            if (parse_int(f, v, 1, 1000000000000LL, &n))
                return 2;
            a->events = n;
        } else if (strcmp(f, "--visits-per-day") == 0) {
            if (parse_double(f, v, 0.01, 1e8, &a->visits_per_day))
                return 2;
        } else if (strcmp(f, "--rate") == 0) {
            if (parse_double(f, v, 0.001, 1e7, &a->post.rate))
                return 2;
        } else if (strcmp(f, "--duration") == 0) {
            if (parse_double(f, v, 0.001, 1e7, &a->duration))
                return 2;
        } else if (strcmp(f, "--payload") == 0) {
            if (strcmp(v, "original") == 0)
                a->gen.payload = SBW_SIM_PAYLOAD_ORIGINAL;
            else if (strcmp(v, "tracker") == 0)
                a->gen.payload = SBW_SIM_PAYLOAD_TRACKER;
            else
                return usage_error("--payload: expected original or tracker, got '%s'", v);
        } else if (strcmp(f, "--batch") == 0) {
            if (parse_int(f, v, 1, SBW_SIM_BATCH_MAX, &n))
                return 2;
            a->gen.batch = (int)n;
        } else if (strcmp(f, "--flush-ms") == 0) {
            if (parse_int(f, v, 0, 86400000LL, &n))
                return 2;
            a->gen.flush_ms = n;
        } else if (strcmp(f, "--site") == 0) {
            a->gen.site = v;
        } else if (strcmp(f, "--bots") == 0 || strcmp(f, "--returning") == 0 ||
                   strcmp(f, "--accounts") == 0 || strcmp(f, "--gaps") == 0 ||
                   strcmp(f, "--fallback-ids") == 0) {
            if (parse_double(f, v, 0, 1, &d))
                return 2;
            double *t = f[2] == 'b'   ? &a->gen.p_bot
                        : f[2] == 'r' ? &a->gen.p_returning
                        : f[2] == 'a' ? &a->gen.p_account
                        : f[2] == 'g' ? &a->gen.p_gap
                                      : &a->gen.p_fallback_id;
            *t = d;
        } else if (strcmp(f, "--funnel") == 0) {
            const char *p = v;
            for (int k = 0; k < SBW_SIM_NSTEPS; k++) {
                char *end;
                errno = 0;
                double x = strtod(p, &end);
                if (errno || end == p || !(x > 0 && x < 1) ||
                    (k < SBW_SIM_NSTEPS - 1 ? *end != ',' : *end != '\0'))
                    return usage_error("--funnel: expected five rates between 0 and 1 such as "
                                       "0.7,0.75,0.28,0.55,0.7, got '%s'",
                                       v);
                a->gen.funnel[k] = x;
                p = end + 1;
            }
        } else if (strcmp(f, "--lake") == 0) {
            a->lake_url = v;
        } else if (strcmp(f, "--group") == 0) {
            if (parse_int(f, v, 1, 100000, &n))
                return 2;
            a->group = (int)n;
            a->group_set = 1;
        } else if (strcmp(f, "--writers") == 0) {
            if (parse_int(f, v, 1, 16, &n))
                return 2;
            a->writers = (int)n;
            a->writers_set = 1;
        } else if (strcmp(f, "--url") == 0) {
            a->post.url = v;
        } else if (strcmp(f, "--threads") == 0) {
            if (parse_int(f, v, 1, 256, &n))
                return 2;
            a->post.threads = (int)n;
            a->threads_set = 1;
        } else if (strcmp(f, "--attempts") == 0) {
            if (parse_int(f, v, 1, 100, &n))
                return 2;
            a->post.max_attempts = (int)n;
            a->attempts_set = 1;
        } else if (strcmp(f, "--format") == 0) {
            a->format = v;
        } else if (strcmp(f, "--log-level") == 0) {
            sbw_log_level_t l;
            if (sbw_log_level_parse(v, &l) != 0)
                return usage_error("--log-level: expected debug, info, warn or error, got '%s'", v);
            sbw_log_init("sbw-sim", l);
        } else {
            return usage_error("unknown option %s", f);
        }
    }
    return 0;
}

/* The lake URL: --lake, else the environment, else the ingest's local default folder. */
static int lake_target(const args_t *a, char *url, size_t urllen, sbw_lake_opts_t *opts)
{
    char err[512];
    if (sbw_lake_opts_from_env(opts, sbw_cfg_getenv, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        return -1;
    }
    opts->create = 1;
    if (a->lake_url) {
        snprintf(url, urllen, "%s", a->lake_url);
        return 0;
    }
    int rc = sbw_lake_url_from_env(sbw_cfg_getenv, NULL, url, urllen, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        return -1;
    }
    if (rc == 0) {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd)) {
            fprintf(stderr, "sbw-sim: cannot read the current folder\n");
            return -1;
        }
        snprintf(url, urllen, "file://%s/var/lake/clickstream-s3-ingest", cwd);
    }
    return 0;
}

static double elapsed(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A request source: the generator or the importer. */
typedef struct {
    sbw_sim_gen_t *gen;
    sbw_sim_rees46_t *imp;
} source_t;

static int source_next(source_t *s, sbw_sim_req_t *req, char *err, size_t errlen)
{
    if (s->gen) {
        int rc = sbw_sim_gen_next(s->gen, req);
        if (rc < 0)
            snprintf(err, errlen, "out of memory");
        return rc;
    }
    return sbw_sim_rees46_next(s->imp, req, err, errlen);
}

/* Runs the source into the lake; prints the lake part of the summary into out. */
static int run_lake(const args_t *a, source_t *src, sbw_buf_t *out)
{
    char url[SBW_LAKE_URL_MAX], err[1024];
    sbw_lake_opts_t lo;
    if (lake_target(a, url, sizeof url, &lo) != 0)
        return 2;
    sbw_sim_lakew_t *w = NULL;
    if (sbw_sim_lakew_new(url, &lo, a->group, a->writers, a->gen.seed, &w, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-sim: lake %s: %s\n", url, err);
        return 1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sbw_sim_req_t *req = malloc(sizeof *req);
    int rc = req ? 0 : -1, status = 0;
    if (!req)
        snprintf(err, sizeof err, "out of memory");
    while (rc == 0 && !interrupted) {
        int n = source_next(src, req, err, sizeof err);
        if (n <= 0) {
            rc = n;
            break;
        }
        rc = sbw_sim_lakew_add(w, req, err, sizeof err);
    }
    free(req);
    sbw_sim_lake_stats_t st;
    char ferr[1024];
    int frc = sbw_sim_lakew_finish(w, &st, ferr, sizeof ferr);
    if (rc != 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        status = 1;
    } else if (frc != 0) {
        fprintf(stderr, "sbw-sim: %s\n", ferr);
        status = 1;
    }
    double s = elapsed(&t0);
    if (sbw_buf_printf(out,
                       "\"events\":%lld,\"objects\":%lld,\"bytes\":%lld,\"seconds\":%.3f,"
                       "\"events_per_second\":%.0f,\"lake\":\"%s\",\"interrupted\":%s",
                       (long long)st.events, (long long)st.objects, (long long)st.bytes, s,
                       s > 0 ? (double)st.events / s : 0.0, sbw_sim_lakew_describe(w),
                       interrupted ? "true" : "false") != 0)
        status = 1;
    sbw_sim_lakew_free(w);
    return status;
}

static int run_post(const args_t *a, source_t *src, sbw_buf_t *out)
{
    char err[1024];
    sbw_sim_post_opts_t po = a->post;
    po.progress = !a->quiet;
    sbw_sim_poster_t *p = NULL;
    if (sbw_sim_poster_new(&po, &p, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        return 2;
    }
    sbw_sim_req_t *req = malloc(sizeof *req);
    int rc = req ? 0 : -1, status = 0;
    if (!req)
        snprintf(err, sizeof err, "out of memory");
    while (rc == 0 && !interrupted) {
        int n = source_next(src, req, err, sizeof err);
        if (n <= 0) {
            rc = n;
            break;
        }
        if (sbw_sim_poster_submit(p, req) != 0) {
            snprintf(err, sizeof err, "out of memory");
            rc = -1;
        }
    }
    free(req);
    sbw_sim_post_stats_t st;
    sbw_sim_poster_finish(p, &st);
    sbw_sim_poster_free(p);
    if (rc != 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        status = 1;
    }
    if (st.failed_requests > 0)
        status = 1;
    char sum[512];
    sbw_sim_post_summary(&st, sum, sizeof sum);
    /* the summary object's members, without its braces */
    size_t l = strlen(sum);
    if (sbw_buf_append(out, sum + 1, l - 2) != 0)
        status = 1;
    if (interrupted && sbw_buf_append_str(out, ",\"interrupted\":true") != 0)
        status = 1;
    return status;
}

static int cmd_catalog(void)
{
    sbw_sim_catalog_t *c = sbw_sim_catalog_new();
    if (!c) {
        fprintf(stderr, "sbw-sim: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < c->n; i++) {
        const sbw_sim_product_t *p = &c->products[i];
        printf("{\"id\":\"%s\",\"name\":\"%s\",\"category\":\"%s\",\"brand\":\"%s\",\"price\":%lld,"
               "\"discountPrice\":",
               p->id, p->name, p->category, p->brand, (long long)p->price);
        if (p->discount_price > 0)
            printf("%lld", (long long)p->discount_price);
        else
            printf("null");
        printf(",\"urlPath\":\"%s\"}\n", p->url_path);
    }
    sbw_sim_catalog_free(c);
    return 0;
}

/* lake / post: the generator's options from the arguments. */
static int make_generator(args_t *a, int is_post, sbw_sim_gen_t **out)
{
    char err[512];
    double days = a->days_set ? a->days : is_post ? 1 : 7;
    a->gen.end_ms = a->end_set ? a->end_ms : now_ms();
    a->gen.start_ms = a->gen.end_ms - (int64_t)llround(days * (double)DAY_MS);
    int64_t events = a->events;
    if (!events && is_post && a->post.rate > 0 && a->duration > 0)
        events = (int64_t)llround(a->post.rate * a->duration);
    if (a->duration > 0 && !(a->post.rate > 0))
        return usage_error("--duration needs --rate");
    a->gen.max_events = events;
    if (events) {
        a->gen.visits = 1; /* replaced below */
        double v = sbw_sim_visits_for_events(&a->gen, events);
        if (v <= 0) {
            fprintf(stderr, "sbw-sim: --events: cannot size the traffic for %lld events\n",
                    (long long)events);
            return 1;
        }
        a->gen.visits = v;
    } else {
        a->gen.visits = days * (a->visits_per_day > 0 ? a->visits_per_day : 1500);
    }
    if (sbw_sim_gen_new(&a->gen, out, err, sizeof err) != 0) {
        fprintf(stderr, "sbw-sim: %s\n", err);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    sbw_log_init("sbw-sim", SBW_LOG_INFO);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    args_t a;
    memset(&a, 0, sizeof a);
    a.cmd = argv[1];
    sbw_sim_opts_init(&a.gen);
    sbw_sim_post_opts_init(&a.post);
    a.group = 500;
    a.writers = 2;
    if (strcmp(a.cmd, "catalog") == 0)
        return cmd_catalog();
    if (strcmp(a.cmd, "lake") != 0 && strcmp(a.cmd, "post") != 0 && strcmp(a.cmd, "import") != 0)
        return usage_error("unknown command '%s'", a.cmd);
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* Options that belong to another command are errors, not silently ignored. */
    int lake_only = a.group_set || a.writers_set,
        post_only = a.threads_set || a.attempts_set || a.post.rate > 0 || a.duration > 0;
    if (strcmp(a.cmd, "lake") == 0 && post_only)
        return usage_error("lake: --rate, --duration, --threads and --attempts are for post");
    if (strcmp(a.cmd, "post") == 0 && lake_only)
        return usage_error("post: --group and --writers are for lake");
    if (strcmp(a.cmd, "import") != 0 && a.format)
        return usage_error("%s: --format is for import", a.cmd);

    int is_post;
    source_t src = {0};
    FILE *in = NULL;
    sbw_buf_t out;
    sbw_buf_init(&out, 0);
    if (strcmp(a.cmd, "import") == 0) {
        if (!a.format)
            return usage_error("import: --format missing (the only format is rees46)");
        if (strcmp(a.format, "rees46") != 0)
            return usage_error("--format: unknown format '%s' (the only format is rees46)",
                               a.format);
        if (!a.file)
            return usage_error("import: FILE.csv missing");
        if (!a.lake_url == !a.post.url)
            return usage_error("import: give exactly one of --lake and --url");
        is_post = a.post.url != NULL;
        if (is_post && lake_only)
            return usage_error("import --url: --group and --writers are for --lake");
        if (!is_post && post_only)
            return usage_error("import --lake: --rate, --duration, --threads and --attempts are "
                               "for --url");
        in = strcmp(a.file, "-") == 0 ? stdin : fopen(a.file, "r");
        if (!in) {
            fprintf(stderr, "sbw-sim: %s: %s\n", a.file, strerror(errno));
            return 1;
        }
        char err[256];
        if (sbw_sim_rees46_new(in, a.gen.payload, a.gen.batch, &src.imp, err, sizeof err) != 0) {
            fprintf(stderr, "sbw-sim: %s\n", err);
            fclose(in);
            return 2;
        }
    } else {
        is_post = strcmp(a.cmd, "post") == 0;
        if (is_post && !a.post.url)
            return usage_error("post: --url missing (e.g. http://127.0.0.1:8080/clickstream)");
        if (is_post && a.lake_url)
            return usage_error("post: --lake is for the lake command");
        if (!is_post && a.post.url)
            return usage_error("lake: --url is for the post command");
        rc = make_generator(&a, is_post, &src.gen);
        if (rc != 0)
            return rc;
    }

    int status = sbw_buf_append_str(&out, "{") != 0;
    status |= is_post ? run_post(&a, &src, &out) : run_lake(&a, &src, &out);
    if (src.imp) {
        status |= sbw_buf_append_str(&out, ",\"import\":") != 0;
        status |= sbw_sim_rees46_report(src.imp, &out) != 0;
    }
    status |= sbw_buf_append_str(&out, "}") != 0;
    printf("%s\n", sbw_buf_cstr(&out));
    sbw_buf_cleanup(&out);
    sbw_sim_gen_free(src.gen);
    sbw_sim_rees46_free(src.imp);
    if (in && in != stdin)
        fclose(in);
    return status;
}
