/* sbw_log: one-line structured logging to stderr (see sbw_log.h). */
#include "sbw_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

static const char *log_program = "sbw";
static sbw_log_level_t log_min = SBW_LOG_INFO;

void sbw_log_init(const char *program, sbw_log_level_t min_level)
{
    log_program = program ? program : "sbw";
    log_min = min_level;
}

int sbw_log_level_parse(const char *s, sbw_log_level_t *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            *out = (sbw_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int sbw_log_enabled(sbw_log_level_t level)
{
    return level >= log_min;
}

void sbw_log_write(sbw_log_level_t level, const char *ctx, const char *fmt, ...)
{
    static const char *labels[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (int)(tv.tv_usec / 1000), labels[level & 3], log_program);
    if (ctx && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "[%s] ", ctx);
    if (n > 0 && (size_t)n < sizeof line) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* One fputs of a whole line keeps concurrent threads' lines from interleaving. */
    fprintf(stderr, "%s\n", line);
}
