/* sbw_server_table: result tables rendered as JSON and CSV (see the header). */
#include "sbw_server_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbw_out_put(sbw_out_t *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *d = realloc(o->data, cap);
        if (!d) {
            o->oom = 1;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

void sbw_out_str(sbw_out_t *o, const char *s)
{
    sbw_out_put(o, s, strlen(s));
}

void sbw_out_printf(sbw_out_t *o, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        o->oom = 1;
        return;
    }
    sbw_out_put(o, buf, (size_t)n);
}

void sbw_out_json_string(sbw_out_t *o, const char *s)
{
    sbw_out_put(o, "\"", 1);
    const char *run = s;
    for (const char *c = s; *c; c++) {
        unsigned char u = (unsigned char)*c;
        if (u >= 0x20 && u != '"' && u != '\\')
            continue;
        sbw_out_put(o, run, (size_t)(c - run));
        char esc[8];
        switch (u) {
        case '"': sbw_out_put(o, "\\\"", 2); break;
        case '\\': sbw_out_put(o, "\\\\", 2); break;
        case '\n': sbw_out_put(o, "\\n", 2); break;
        case '\r': sbw_out_put(o, "\\r", 2); break;
        case '\t': sbw_out_put(o, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", u);
            sbw_out_put(o, esc, 6);
        }
        run = c + 1;
    }
    sbw_out_str(o, run);
    sbw_out_put(o, "\"", 1);
}

void sbw_table_init(sbw_table_t *t)
{
    memset(t, 0, sizeof *t);
    t->total = -1;
}

int sbw_table_col(sbw_table_t *t, const char *name, sbw_coltype_t type)
{
    if (t->ncols == SBW_TABLE_MAX_COLS || t->nrows > 0)
        return -1;
    char *n = strdup(name);
    if (!n)
        return -1;
    t->names[t->ncols] = n;
    t->types[t->ncols++] = type;
    return 0;
}

static int add_row(sbw_table_t *t)
{
    if (t->nrows == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        char **c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *c);
        if (!c)
            return -1;
        t->cells = c;
        t->cap = cap;
    }
    memset(t->cells + (size_t)t->nrows * (size_t)t->ncols, 0, (size_t)t->ncols * sizeof *t->cells);
    t->nrows++;
    return 0;
}

int sbw_table_row(sbw_table_t *t, const char *const *cells)
{
    if (t->ncols == 0 || add_row(t) != 0)
        return -1;
    char **row = t->cells + (size_t)(t->nrows - 1) * (size_t)t->ncols;
    for (int i = 0; i < t->ncols; i++) {
        if (cells[i] && !(row[i] = strdup(cells[i])))
            return -1;
    }
    return 0;
}

static sbw_coltype_t type_of(Oid oid)
{
    switch (oid) {
    case 20: case 21: case 23: return SBW_T_INTEGER;   /* int8 int2 int4 */
    case 700: case 701: case 1700: return SBW_T_NUMBER; /* float4 float8 numeric */
    case 16: return SBW_T_BOOLEAN;
    case 1082: return SBW_T_DATE;
    case 1184: return SBW_T_TIMESTAMP;
    default: return SBW_T_STRING;
    }
}

/* "2026-11-20 03:00:00.123+00" -> "2026-11-20T03:00:00.123Z" */
static char *iso_utc(const char *s)
{
    size_t l = strlen(s);
    char *o = malloc(l + 2);
    if (!o)
        return NULL;
    memcpy(o, s, l + 1);
    if (l > 10 && o[10] == ' ')
        o[10] = 'T';
    if (l > 3 && strcmp(o + l - 3, "+00") == 0)
        memcpy(o + l - 3, "Z", 2);
    return o;
}

int sbw_table_from_pg(sbw_table_t *t, const PGresult *r)
{
    sbw_table_init(t);
    int nf = PQnfields(r), nt = PQntuples(r), total_col = -1;
    int map[SBW_TABLE_MAX_COLS];
    for (int f = 0; f < nf; f++) {
        if (strcmp(PQfname(r, f), "total") == 0) {
            total_col = f;
            continue;
        }
        map[t->ncols] = f;
        if (sbw_table_col(t, PQfname(r, f), type_of(PQftype(r, f))) != 0)
            goto oom;
    }
    if (total_col >= 0)
        t->total = nt > 0 ? atoll(PQgetvalue(r, 0, total_col)) : 0;
    for (int i = 0; i < nt; i++) {
        if (add_row(t) != 0)
            goto oom;
        char **row = t->cells + (size_t)i * (size_t)t->ncols;
        for (int c = 0; c < t->ncols; c++) {
            int f = map[c];
            if (PQgetisnull(r, i, f))
                continue;
            const char *v = PQgetvalue(r, i, f);
            row[c] = t->types[c] == SBW_T_TIMESTAMP ? iso_utc(v) : strdup(v);
            if (!row[c])
                goto oom;
        }
    }
    return 0;
oom:
    sbw_table_cleanup(t);
    return -1;
}

int sbw_table_find(const sbw_table_t *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    return -1;
}

int sbw_table_project(sbw_table_t *t, const int *cols, int n)
{
    sbw_table_t p;
    sbw_table_init(&p);
    p.total = t->total;
    for (int i = 0; i < n; i++)
        if (sbw_table_col(&p, t->names[cols[i]], t->types[cols[i]]) != 0)
            goto oom;
    for (int r = 0; r < t->nrows; r++) {
        const char *cells[SBW_TABLE_MAX_COLS];
        for (int i = 0; i < n; i++)
            cells[i] = t->cells[(size_t)r * (size_t)t->ncols + (size_t)cols[i]];
        if (sbw_table_row(&p, cells) != 0)
            goto oom;
    }
    sbw_table_cleanup(t);
    *t = p;
    return 0;
oom:
    sbw_table_cleanup(&p);
    return -1;
}

void sbw_table_cleanup(sbw_table_t *t)
{
    for (size_t i = 0; t->cells && i < (size_t)t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    for (int i = 0; i < t->ncols; i++)
        free(t->names[i]);
    sbw_table_init(t);
}

static const char *type_name(sbw_coltype_t t)
{
    static const char *n[] = {"integer", "number", "string", "boolean", "date", "timestamp"};
    return n[t];
}

char *sbw_table_json(const sbw_table_t *t, const char *extra, size_t *len)
{
    sbw_out_t o = {0};
    sbw_out_str(&o, "{\"columns\":[");
    for (int i = 0; i < t->ncols; i++) {
        if (i)
            sbw_out_put(&o, ",", 1);
        sbw_out_json_string(&o, t->names[i]);
    }
    sbw_out_str(&o, "],\"types\":[");
    for (int i = 0; i < t->ncols; i++)
        sbw_out_printf(&o, "%s\"%s\"", i ? "," : "", type_name(t->types[i]));
    sbw_out_str(&o, "],\"rows\":[");
    for (int r = 0; r < t->nrows; r++) {
        sbw_out_str(&o, r ? ",[" : "[");
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            if (c)
                sbw_out_put(&o, ",", 1);
            if (!v) {
                sbw_out_str(&o, "null");
            } else if (t->types[c] == SBW_T_INTEGER) {
                sbw_out_str(&o, v);
            } else if (t->types[c] == SBW_T_NUMBER) {
                /* numeric may say NaN / Infinity, which JSON cannot */
                if (strchr("0123456789-", v[0]) && strcmp(v, "-Infinity") != 0)
                    sbw_out_str(&o, v);
                else
                    sbw_out_str(&o, "null");
            } else if (t->types[c] == SBW_T_BOOLEAN) {
                sbw_out_str(&o, v[0] == 't' ? "true" : "false");
            } else {
                sbw_out_json_string(&o, v);
            }
        }
        sbw_out_put(&o, "]", 1);
    }
    sbw_out_put(&o, "]", 1);
    if (t->total >= 0)
        sbw_out_printf(&o, ",\"total\":%lld", t->total);
    if (extra && *extra) {
        sbw_out_put(&o, ",", 1);
        sbw_out_str(&o, extra);
    }
    sbw_out_str(&o, "}\n");
    if (o.oom) {
        free(o.data);
        return NULL;
    }
    if (len)
        *len = o.len;
    return o.data;
}

static void csv_field(sbw_out_t *o, const char *v)
{
    if (!v)
        return;
    if (!v[strcspn(v, ",\"\r\n")]) {
        sbw_out_str(o, v);
        return;
    }
    sbw_out_put(o, "\"", 1);
    for (const char *c = v; *c; c++) {
        if (*c == '"')
            sbw_out_put(o, "\"", 1);
        sbw_out_put(o, c, 1);
    }
    sbw_out_put(o, "\"", 1);
}

char *sbw_table_csv(const sbw_table_t *t, size_t *len)
{
    sbw_out_t o = {0};
    for (int i = 0; i < t->ncols; i++) {
        if (i)
            sbw_out_put(&o, ",", 1);
        csv_field(&o, t->names[i]);
    }
    sbw_out_str(&o, "\r\n");
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[(size_t)r * (size_t)t->ncols + (size_t)c];
            if (c)
                sbw_out_put(&o, ",", 1);
            if (v && t->types[c] == SBW_T_BOOLEAN)
                v = v[0] == 't' ? "true" : "false";
            csv_field(&o, v);
        }
        sbw_out_str(&o, "\r\n");
    }
    if (o.oom) {
        free(o.data);
        return NULL;
    }
    if (len)
        *len = o.len;
    return o.data;
}
