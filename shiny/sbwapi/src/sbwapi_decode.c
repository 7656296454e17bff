/* sbwapi_decode.c: a parsed cJSON tree -> R values; tables in two passes over the rows
 * (1: discover columns and infer their types; 2: fill preallocated vectors). */
#include "sbwapi_decode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbwapi_time.h"

typedef enum { COL_LGL, COL_INT, COL_DBL, COL_STR, COL_DATE, COL_TIME, COL_LIST, COL_AUTO } col_type_t;

typedef struct {
    const char *name; /* borrowed from the cJSON tree */
    long n_seen;      /* rows that have this column (shape a: key present once) */
    long last_row;    /* shape a: last row that had the key, to detect duplicate keys */
    long n_bool, n_num, n_str, n_nested;
    int all_int;  /* every number so far is an int32 (and not INT_MIN, R's NA) */
    int all_date; /* every string so far is YYYY-MM-DD */
    int all_time; /* every string so far is an ISO 8601 date-time with zone */
    col_type_t declared, type;
    SEXP vec; /* protected by the data.frame list it is stored in */
} col_t;

static void col_init(col_t *c, const char *name)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->last_row = -1;
    c->all_int = c->all_date = c->all_time = 1;
    c->declared = COL_AUTO;
}

static int is_int32(double d)
{
    return d >= -2147483647.0 && d <= 2147483647.0 && d == (double)(int)d;
}

/* Pass 1: record what kind of value a cell holds. */
static void col_observe(col_t *c, const cJSON *v)
{
    double tmp;
    switch (v->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
        c->n_bool++;
        break;
    case cJSON_Number:
        c->n_num++;
        if (c->all_int && !is_int32(v->valuedouble))
            c->all_int = 0;
        break;
    case cJSON_String:
        c->n_str++;
        if (c->all_date && !sbwapi_time_parse_date(v->valuestring, &tmp))
            c->all_date = 0;
        if (c->all_time && !sbwapi_time_parse_datetime(v->valuestring, &tmp))
            c->all_time = 0;
        break;
    case cJSON_Array:
    case cJSON_Object:
        c->n_nested++;
        break;
    default: /* null */
        break;
    }
}

/* The column's R type: the declared one when given, else inferred from pass 1. */
static col_type_t col_resolve(const col_t *c)
{
    if (c->declared == COL_INT && !c->all_int)
        return COL_DBL; /* never lose a value that does not fit an int32 */
    if (c->declared != COL_AUTO)
        return c->declared;
    if (c->n_nested)
        return COL_LIST;
    if (c->n_str) {
        if (c->n_num || c->n_bool)
            return COL_STR;
        if (c->all_date)
            return COL_DATE;
        if (c->all_time)
            return COL_TIME;
        return COL_STR;
    }
    if (c->n_num)
        return c->all_int ? COL_INT : COL_DBL;
    return COL_LGL; /* booleans, or only nulls */
}

static col_type_t type_from_name(const char *s)
{
    static const struct {
        const char *name;
        col_type_t type;
    } map[] = {
        {"integer", COL_INT},     {"int", COL_INT},         {"int32", COL_INT},
        {"int64", COL_INT},       {"bigint", COL_INT},      {"smallint", COL_INT},
        {"double", COL_DBL},      {"number", COL_DBL},      {"numeric", COL_DBL},
        {"float", COL_DBL},       {"real", COL_DBL},        {"boolean", COL_LGL},
        {"bool", COL_LGL},        {"logical", COL_LGL},     {"string", COL_STR},
        {"character", COL_STR},   {"text", COL_STR},        {"date", COL_DATE},
        {"datetime", COL_TIME},   {"date-time", COL_TIME},  {"timestamp", COL_TIME},
        {"timestamptz", COL_TIME}, {"posixct", COL_TIME},
    };
    if (!s)
        return COL_AUTO;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(s, map[i].name) == 0)
            return map[i].type;
    return COL_AUTO;
}

/* A JSON number as text, shortest form that reads back to the same double. */
static SEXP num_to_charsxp(double d)
{
    char buf[40];
    if (d == floor(d) && fabs(d) < 1e15) {
        snprintf(buf, sizeof buf, "%.0f", d);
    } else {
        snprintf(buf, sizeof buf, "%.15g", d);
        if (strtod(buf, NULL) != d)
            snprintf(buf, sizeof buf, "%.17g", d);
    }
    return Rf_mkChar(buf);
}

static SEXP alloc_col(col_type_t t, R_xlen_t n)
{
    switch (t) {
    case COL_LGL:
        return Rf_allocVector(LGLSXP, n);
    case COL_INT:
        return Rf_allocVector(INTSXP, n);
    case COL_STR:
        return Rf_allocVector(STRSXP, n);
    case COL_LIST:
        return Rf_allocVector(VECSXP, n);
    default: /* DBL, DATE, TIME */
        return Rf_allocVector(REALSXP, n);
    }
}

/* Fills rows [0, n) with NA (lists and strings start as NULL / "" and need it too). */
static void fill_na(SEXP v, col_type_t t, R_xlen_t n)
{
    R_xlen_t i;
    switch (t) {
    case COL_LGL:
        for (i = 0; i < n; i++)
            LOGICAL(v)[i] = NA_LOGICAL;
        break;
    case COL_INT:
        for (i = 0; i < n; i++)
            INTEGER(v)[i] = NA_INTEGER;
        break;
    case COL_STR:
        for (i = 0; i < n; i++)
            SET_STRING_ELT(v, i, NA_STRING);
        break;
    case COL_LIST:
        break; /* already NULL */
    default:
        for (i = 0; i < n; i++)
            REAL(v)[i] = NA_REAL;
        break;
    }
}

static void set_class_attrs(SEXP v, col_type_t t)
{
    if (t == COL_DATE) {
        Rf_setAttrib(v, R_ClassSymbol, Rf_mkString("Date"));
    } else if (t == COL_TIME) {
        SEXP cls = PROTECT(Rf_allocVector(STRSXP, 2));
        SET_STRING_ELT(cls, 0, Rf_mkChar("POSIXct"));
        SET_STRING_ELT(cls, 1, Rf_mkChar("POSIXt"));
        Rf_setAttrib(v, R_ClassSymbol, cls);
        Rf_setAttrib(v, Rf_install("tzone"), Rf_mkString("UTC"));
        UNPROTECT(1);
    }
}

/* Pass 2: store cell v (may be NULL for a missing cell) at row i of column c. */
static void col_store(sbwapi_decode_t *ctx, col_t *c, R_xlen_t i, const cJSON *v)
{
    int kind = v ? (v->type & 0xFF) : cJSON_NULL;
    double d;
    if (c->type == COL_LIST) {
        if (kind != cJSON_NULL)
            SET_VECTOR_ELT(c->vec, i, sbwapi_decode_value(ctx, v));
        return;
    }
    if (kind == cJSON_NULL) {
        switch (c->type) {
        case COL_LGL:
            LOGICAL(c->vec)[i] = NA_LOGICAL;
            break;
        case COL_INT:
            INTEGER(c->vec)[i] = NA_INTEGER;
            break;
        case COL_STR:
            SET_STRING_ELT(c->vec, i, NA_STRING);
            break;
        default:
            REAL(c->vec)[i] = NA_REAL;
            break;
        }
        return;
    }
    int is_bool = kind == cJSON_True || kind == cJSON_False;
    switch (c->type) {
    case COL_LGL:
        if (is_bool)
            LOGICAL(c->vec)[i] = kind == cJSON_True;
        else if (kind == cJSON_Number)
            LOGICAL(c->vec)[i] = v->valuedouble != 0;
        else {
            LOGICAL(c->vec)[i] = NA_LOGICAL;
            ctx->n_coerced++;
        }
        break;
    case COL_INT:
        if (kind == cJSON_Number)
            INTEGER(c->vec)[i] = (int)v->valuedouble; /* all_int checked in pass 1 */
        else if (is_bool)
            INTEGER(c->vec)[i] = kind == cJSON_True;
        else {
            INTEGER(c->vec)[i] = NA_INTEGER;
            ctx->n_coerced++;
        }
        break;
    case COL_DBL:
        if (kind == cJSON_Number)
            REAL(c->vec)[i] = v->valuedouble;
        else if (is_bool)
            REAL(c->vec)[i] = kind == cJSON_True;
        else {
            REAL(c->vec)[i] = NA_REAL;
            ctx->n_coerced++;
        }
        break;
    case COL_STR:
        if (kind == cJSON_String)
            SET_STRING_ELT(c->vec, i, Rf_mkCharCE(v->valuestring, CE_UTF8));
        else if (kind == cJSON_Number)
            SET_STRING_ELT(c->vec, i, num_to_charsxp(v->valuedouble));
        else if (is_bool)
            SET_STRING_ELT(c->vec, i, Rf_mkChar(kind == cJSON_True ? "true" : "false"));
        else {
            char *txt = cJSON_PrintUnformatted(v); /* nested value in a declared string column */
            SET_STRING_ELT(c->vec, i, txt ? Rf_mkCharCE(txt, CE_UTF8) : NA_STRING);
            cJSON_free(txt);
            ctx->n_coerced++;
        }
        break;
    case COL_DATE:
        if (kind == cJSON_String && sbwapi_time_parse_date(v->valuestring, &d))
            REAL(c->vec)[i] = d;
        else if (kind == cJSON_String && sbwapi_time_parse_datetime(v->valuestring, &d))
            REAL(c->vec)[i] = floor(d / 86400.0); /* declared date, given an instant: UTC day */
        else {
            REAL(c->vec)[i] = NA_REAL;
            ctx->n_coerced++;
        }
        break;
    case COL_TIME:
        if (kind == cJSON_String && sbwapi_time_parse_datetime(v->valuestring, &d))
            REAL(c->vec)[i] = d;
        else if (kind == cJSON_String && sbwapi_time_parse_date(v->valuestring, &d))
            REAL(c->vec)[i] = d * 86400.0; /* declared date-time, given a day: its UTC midnight */
        else if (kind == cJSON_Number)
            REAL(c->vec)[i] = v->valuedouble; /* epoch seconds */
        else {
            REAL(c->vec)[i] = NA_REAL;
            ctx->n_coerced++;
        }
        break;
    default:
        break;
    }
}

/* ---- column set ------------------------------------------------------------------------ */

typedef struct {
    col_t *cols;
    int n, cap;
} colset_t;

/* Index of the column named key; pos is the key's position in its row (the usual place to
 * find it). With add, an unknown key becomes a new column; else -1. */
static int colset_find(colset_t *cs, const char *key, int pos, int add)
{
    if (pos < cs->n && strcmp(cs->cols[pos].name, key) == 0)
        return pos;
    for (int j = 0; j < cs->n; j++)
        if (strcmp(cs->cols[j].name, key) == 0)
            return j;
    if (!add)
        return -1;
    if (cs->n == cs->cap) {
        int cap = cs->cap ? cs->cap * 2 : 16;
        col_t *grown = (col_t *)R_alloc((size_t)cap, sizeof(col_t)); /* freed when .Call returns */
        if (cs->n)
            memcpy(grown, cs->cols, (size_t)cs->n * sizeof(col_t));
        cs->cols = grown;
        cs->cap = cap;
    }
    col_init(&cs->cols[cs->n], key);
    return cs->n++;
}

/* Builds the data.frame from resolved columns: allocates and NA-fills (when needed) every
 * column, returns the protected list (caller UNPROTECTs 1) after pass 2 has filled it. */
static SEXP frame_alloc(colset_t *cs, R_xlen_t nrow)
{
    SEXP df = PROTECT(Rf_allocVector(VECSXP, cs->n));
    SEXP names = PROTECT(Rf_allocVector(STRSXP, cs->n));
    for (int j = 0; j < cs->n; j++) {
        col_t *c = &cs->cols[j];
        c->type = col_resolve(c);
        c->vec = alloc_col(c->type, nrow);
        SET_VECTOR_ELT(df, j, c->vec);
        if (c->n_seen != nrow)
            fill_na(c->vec, c->type, nrow);
        SET_STRING_ELT(names, j, Rf_mkCharCE(c->name, CE_UTF8));
    }
    Rf_setAttrib(df, R_NamesSymbol, names);
    UNPROTECT(1);
    return df;
}

static void frame_finish(colset_t *cs, SEXP df, R_xlen_t nrow)
{
    for (int j = 0; j < cs->n; j++)
        set_class_attrs(cs->cols[j].vec, cs->cols[j].type);
    SEXP rn = PROTECT(Rf_allocVector(INTSXP, 2)); /* compact row names c(NA, -nrow) */
    INTEGER(rn)[0] = NA_INTEGER;
    INTEGER(rn)[1] = -(int)nrow;
    Rf_setAttrib(df, R_RowNamesSymbol, rn);
    Rf_setAttrib(df, R_ClassSymbol, Rf_mkString("data.frame"));
    UNPROTECT(1);
}

/* Shape a: [{"k": v, ...}, ...]; null elements are rows of NA. */
static SEXP decode_records(sbwapi_decode_t *ctx, const cJSON *arr)
{
    colset_t cs = {NULL, 0, 0};
    R_xlen_t nrow = 0;
    const cJSON *row, *cell;
    for (row = arr->child; row; row = row->next, nrow++) {
        int k = 0;
        for (cell = cJSON_IsObject(row) ? row->child : NULL; cell; cell = cell->next, k++) {
            int j = colset_find(&cs, cell->string ? cell->string : "", k, 1); /* may grow cols */
            col_t *c = &cs.cols[j];
            if (c->last_row != nrow) {
                c->last_row = nrow;
                c->n_seen++;
            }
            col_observe(c, cell);
        }
    }
    SEXP df = frame_alloc(&cs, nrow);
    R_xlen_t i = 0;
    for (row = arr->child; row; row = row->next, i++) {
        int k = 0;
        for (cell = cJSON_IsObject(row) ? row->child : NULL; cell; cell = cell->next, k++) {
            int j = colset_find(&cs, cell->string ? cell->string : "", k, 0);
            col_store(ctx, &cs.cols[j], i, cell); /* duplicate key: the last one wins */
        }
    }
    frame_finish(&cs, df, nrow);
    UNPROTECT(1);
    return df;
}

static int is_string_array(const cJSON *a)
{
    if (!cJSON_IsArray(a))
        return 0;
    for (const cJSON *e = a->child; e; e = e->next)
        if (!cJSON_IsString(e))
            return 0;
    return 1;
}

/* The name of a "columns" entry: a string, or an object's "name" string; NULL otherwise. */
static const char *column_name(const cJSON *e)
{
    if (cJSON_IsString(e))
        return e->valuestring;
    const cJSON *name = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "name") : NULL;
    return cJSON_IsString(name) ? name->valuestring : NULL;
}

/* "columns": an array of names, or of {"name": ..., "type": ...} objects. */
static int is_columns_array(const cJSON *a)
{
    if (!cJSON_IsArray(a))
        return 0;
    for (const cJSON *e = a->child; e; e = e->next)
        if (!column_name(e))
            return 0;
    return 1;
}

/* Shape b: {"columns": [...], "rows": [[...], ...], "types": [...]?}; a column may also be
 * {"name": ..., "type": ...}, and "types" wins over such a "type". */
static SEXP decode_columnar(sbwapi_decode_t *ctx, const cJSON *obj)
{
    const cJSON *columns = cJSON_GetObjectItemCaseSensitive(obj, "columns");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(obj, "rows");
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(obj, "types");
    colset_t cs = {NULL, 0, 0};
    int ncol = cJSON_GetArraySize(columns);
    cs.cols = (col_t *)R_alloc((size_t)(ncol ? ncol : 1), sizeof(col_t));
    cs.n = cs.cap = ncol;
    const cJSON *e = columns->child;
    for (int j = 0; j < ncol; j++, e = e->next) {
        col_init(&cs.cols[j], column_name(e));
        const cJSON *type = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "type") : NULL;
        if (cJSON_IsString(type))
            cs.cols[j].declared = type_from_name(type->valuestring);
    }
    if (is_string_array(types)) {
        e = types->child;
        for (int j = 0; j < ncol && e; j++, e = e->next)
            if (type_from_name(e->valuestring) != COL_AUTO)
                cs.cols[j].declared = type_from_name(e->valuestring);
    }
    R_xlen_t nrow = 0;
    const cJSON *row, *cell;
    for (row = rows->child; row; row = row->next, nrow++) {
        int k = 0;
        for (cell = cJSON_IsArray(row) ? row->child : NULL; cell && k < ncol; cell = cell->next, k++) {
            cs.cols[k].n_seen++;
            col_observe(&cs.cols[k], cell);
        }
        if (cell || !(cJSON_IsArray(row) || cJSON_IsNull(row)))
            ctx->n_coerced++; /* a row longer than "columns", or not an array */
    }
    SEXP df = frame_alloc(&cs, nrow);
    R_xlen_t i = 0;
    for (row = rows->child; row; row = row->next, i++) {
        int k = 0;
        for (cell = cJSON_IsArray(row) ? row->child : NULL; cell && k < ncol; cell = cell->next, k++)
            col_store(ctx, &cs.cols[k], i, cell);
    }
    frame_finish(&cs, df, nrow);
    UNPROTECT(1);
    return df;
}

static int is_columnar(const cJSON *node)
{
    return cJSON_IsObject(node) &&
           is_columns_array(cJSON_GetObjectItemCaseSensitive(node, "columns")) &&
           cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(node, "rows"));
}

static int is_records(const cJSON *node)
{
    if (!cJSON_IsArray(node))
        return 0;
    int objects = 0;
    for (const cJSON *e = node->child; e; e = e->next) {
        if (cJSON_IsObject(e))
            objects = 1;
        else if (!cJSON_IsNull(e))
            return 0;
    }
    return objects || node->child == NULL;
}

int sbwapi_decode_is_table(const cJSON *node)
{
    return is_records(node) || is_columnar(node);
}

/* An array of scalars -> an atomic vector, typed like a table column. */
static SEXP decode_scalar_array(sbwapi_decode_t *ctx, const cJSON *arr)
{
    col_t c;
    col_init(&c, "");
    R_xlen_t n = 0;
    const cJSON *e;
    for (e = arr->child; e; e = e->next, n++)
        col_observe(&c, e);
    c.type = col_resolve(&c);
    c.vec = PROTECT(alloc_col(c.type, n));
    R_xlen_t i = 0;
    for (e = arr->child; e; e = e->next, i++)
        col_store(ctx, &c, i, e);
    set_class_attrs(c.vec, c.type);
    UNPROTECT(1);
    return c.vec;
}

static SEXP decode_list(sbwapi_decode_t *ctx, const cJSON *node, int named)
{
    int n = cJSON_GetArraySize(node);
    SEXP out = PROTECT(Rf_allocVector(VECSXP, n));
    SEXP names = named ? PROTECT(Rf_allocVector(STRSXP, n)) : R_NilValue;
    int i = 0;
    for (const cJSON *e = node->child; e; e = e->next, i++) {
        SET_VECTOR_ELT(out, i, sbwapi_decode_value(ctx, e));
        if (named)
            SET_STRING_ELT(names, i, Rf_mkCharCE(e->string ? e->string : "", CE_UTF8));
    }
    if (named) {
        Rf_setAttrib(out, R_NamesSymbol, names);
        UNPROTECT(1);
    }
    UNPROTECT(1);
    return out;
}

SEXP sbwapi_decode_value(sbwapi_decode_t *ctx, const cJSON *node)
{
    double d;
    SEXP v;
    switch (node->type & 0xFF) {
    case cJSON_False:
    case cJSON_True:
        return Rf_ScalarLogical((node->type & 0xFF) == cJSON_True);
    case cJSON_Number:
        d = node->valuedouble;
        return is_int32(d) ? Rf_ScalarInteger((int)d) : Rf_ScalarReal(d);
    case cJSON_String:
        if (sbwapi_time_parse_date(node->valuestring, &d)) {
            v = PROTECT(Rf_ScalarReal(d));
            set_class_attrs(v, COL_DATE);
        } else if (sbwapi_time_parse_datetime(node->valuestring, &d)) {
            v = PROTECT(Rf_ScalarReal(d));
            set_class_attrs(v, COL_TIME);
        } else {
            return Rf_ScalarString(Rf_mkCharCE(node->valuestring, CE_UTF8));
        }
        UNPROTECT(1);
        return v;
    case cJSON_Array:
        if (is_records(node))
            return decode_records(ctx, node);
        for (const cJSON *e = node->child; e; e = e->next)
            if (cJSON_IsArray(e) || cJSON_IsObject(e))
                return decode_list(ctx, node, 0);
        return decode_scalar_array(ctx, node);
    case cJSON_Object:
        if (is_columnar(node))
            return decode_columnar(ctx, node);
        return decode_list(ctx, node, 1);
    default:
        return R_NilValue;
    }
}
