/* sbw_log: one-line structured logging to stderr for every program.
 *
 * One line per event: "<UTC ISO time> <LEVEL> <program> [<ctx>] message". The level is
 * checked before anything is formatted. Never pass secrets; raw payloads only at DEBUG.
 * The program name and level are set once at start (sbw_log_init) and are read-only after. */
#ifndef SBW_LOG_H
#define SBW_LOG_H

typedef enum { SBW_LOG_DEBUG = 0, SBW_LOG_INFO, SBW_LOG_WARN, SBW_LOG_ERROR } sbw_log_level_t;

/* Sets the program name (borrowed; must outlive the process) and the minimum level.
 * Call once from main before any thread starts. */
void sbw_log_init(const char *program, sbw_log_level_t min_level);

/* Parses "debug|info|warn|error" (case-insensitive). Returns 0, or -1 for anything else
 * and *out untouched. */
int sbw_log_level_parse(const char *s, sbw_log_level_t *out);

/* Returns non-zero when a message at level would be written. */
int sbw_log_enabled(sbw_log_level_t level);

/* Writes one line. ctx (a request id, an object key) may be NULL. */
void sbw_log_write(sbw_log_level_t level, const char *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SBW_LOG(level, ctx, ...)                                                                   \
    do {                                                                                           \
        if (sbw_log_enabled(level))                                                                \
            sbw_log_write(level, ctx, __VA_ARGS__);                                                \
    } while (0)
#define SBW_DEBUG(ctx, ...) SBW_LOG(SBW_LOG_DEBUG, ctx, __VA_ARGS__)
#define SBW_INFO(ctx, ...) SBW_LOG(SBW_LOG_INFO, ctx, __VA_ARGS__)
#define SBW_WARN(ctx, ...) SBW_LOG(SBW_LOG_WARN, ctx, __VA_ARGS__)
#define SBW_ERROR(ctx, ...) SBW_LOG(SBW_LOG_ERROR, ctx, __VA_ARGS__)

#endif
