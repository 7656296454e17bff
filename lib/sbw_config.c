/* sbw_config: a program's settings as one table of variables (see sbw_config.h). */
#include "sbw_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *sbw_cfg_getenv(const char *name, void *ud)
{
    (void)ud;
    return getenv(name);
}

int sbw_cfg_parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    if (!s)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Finds the first set, non-empty value among name and the space-separated aliases. */
static const char *lookup_any(const sbw_cfg_var_t *v, sbw_cfg_lookup_fn lookup, void *ud,
                              const char **which, char *namebuf, size_t namelen)
{
    const char *val = lookup(v->name, ud);
    if (val && *val) {
        *which = v->name;
        return val;
    }
    const char *a = v->aliases;
    while (a && *a) {
        size_t l = strcspn(a, " ");
        if (l > 0 && l < namelen) {
            memcpy(namebuf, a, l);
            namebuf[l] = '\0';
            val = lookup(namebuf, ud);
            if (val && *val) {
                *which = v->name; /* report the primary name; the alias is in the message */
                return val;
            }
        }
        a += l;
        while (*a == ' ')
            a++;
    }
    return NULL;
}

int sbw_cfg_load(const sbw_cfg_var_t *vars, size_t n, sbw_cfg_lookup_fn lookup, void *ud,
                 sbw_cfg_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->vars = vars;
    out->n = n;
    out->values = calloc(n ? n : 1, sizeof *out->values);
    out->source = calloc(n ? n : 1, sizeof *out->source);
    if (!out->values || !out->source) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const sbw_cfg_var_t *v = &vars[i];
        char alias[128];
        const char *which = NULL;
        const char *val = lookup_any(v, lookup, ud, &which, alias, sizeof alias);
        if (!val)
            val = v->def;
        if (!val)
            continue;
        if (v->type == SBW_CFG_INT) {
            char *end;
            errno = 0;
            long x = strtol(val, &end, 10);
            if (errno || end == val || *end) {
                snprintf(err, errlen, "%s: '%s' is not a whole number", v->name, val);
                goto fail;
            }
            if (x < v->min || x > v->max) {
                snprintf(err, errlen, "%s: %ld is outside %ld..%ld", v->name, x, v->min, v->max);
                goto fail;
            }
        } else if (v->type == SBW_CFG_BOOL) {
            int b;
            if (sbw_cfg_parse_bool(val, &b) != 0) {
                snprintf(err, errlen, "%s: '%s' is not a boolean (true/false)", v->name, val);
                goto fail;
            }
        }
        out->values[i] = strdup(val);
        out->source[i] = which;
        if (!out->values[i]) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return 0;
fail:
    sbw_cfg_cleanup(out);
    return -1;
}

void sbw_cfg_cleanup(sbw_cfg_t *cfg)
{
    if (!cfg)
        return;
    if (cfg->values) {
        for (size_t i = 0; i < cfg->n; i++)
            free(cfg->values[i]);
    }
    free(cfg->values);
    free(cfg->source);
    memset(cfg, 0, sizeof *cfg);
}

static size_t index_of(const sbw_cfg_t *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->vars[i].name, name) == 0)
            return i;
    fprintf(stderr, "sbw_config: unknown setting %s (programming error)\n", name);
    abort();
}

const char *sbw_cfg_str(const sbw_cfg_t *cfg, const char *name)
{
    return cfg->values[index_of(cfg, name)];
}

long sbw_cfg_int(const sbw_cfg_t *cfg, const char *name)
{
    const char *v = cfg->values[index_of(cfg, name)];
    return v ? strtol(v, NULL, 10) : 0;
}

int sbw_cfg_bool(const sbw_cfg_t *cfg, const char *name)
{
    int b = 0;
    const char *v = cfg->values[index_of(cfg, name)];
    if (v)
        sbw_cfg_parse_bool(v, &b);
    return b;
}

void sbw_cfg_print(const sbw_cfg_t *cfg, FILE *f)
{
    for (size_t i = 0; i < cfg->n; i++) {
        const char *v = cfg->values[i];
        if (cfg->vars[i].secret)
            fprintf(f, "%s=%s\n", cfg->vars[i].name, v ? "<set>" : "<unset>");
        else
            fprintf(f, "%s=%s\n", cfg->vars[i].name, v ? v : "");
    }
}

void sbw_cfg_print_example(const sbw_cfg_var_t *vars, size_t n, FILE *f)
{
    for (size_t i = 0; i < n; i++) {
        const sbw_cfg_var_t *v = &vars[i];
        fprintf(f, "# %s", v->help ? v->help : "");
        if (v->aliases)
            fprintf(f, " (also read as: %s)", v->aliases);
        if (v->type == SBW_CFG_INT)
            fprintf(f, " [%ld..%ld]", v->min, v->max);
        fprintf(f, "%s\n", v->secret ? " (secret: keep out of the repository)" : "");
        fprintf(f, "#%s=%s\n\n", v->name, v->def && !v->secret ? v->def : "");
    }
}
