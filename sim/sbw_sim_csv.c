/* sbw_sim_csv: a character-level state machine over getc_unlocked. */
#include "sbw_sim_csv.h"

#include <string.h>

void sbw_sim_csv_init(sbw_sim_csv_t *c, FILE *f)
{
    memset(c, 0, sizeof *c);
    c->f = f;
}

/* Skips to the end of the current physical line. */
static void skip_line(sbw_sim_csv_t *c)
{
    int ch;
    while ((ch = getc_unlocked(c->f)) != EOF && ch != '\n')
        ;
    if (ch == '\n')
        c->line++;
    else
        c->eof = 1;
}

int sbw_sim_csv_next(sbw_sim_csv_t *c, char *err, size_t errlen)
{
    for (;;) {
        if (c->eof)
            return 0;
        size_t len = 0;
        int nf = 0;
        int quoted = 0, after_quote = 0, field_start = 1, any = 0;
        c->rec_line = c->line + 1;
        size_t fstart = 0;
        for (;;) {
            int ch = getc_unlocked(c->f);
            if (ch == EOF) {
                if (ferror(c->f))
                    return -1;
                c->eof = 1;
                if (quoted) {
                    snprintf(err, errlen, "quoted field not closed at the end of the file");
                    return 2;
                }
                if (!any)
                    return 0;
                break;
            }
            any = 1;
            if (quoted) {
                if (ch == '"') {
                    int next = getc_unlocked(c->f);
                    if (next == '"') {
                        ch = '"';
                    } else {
                        if (next != EOF)
                            ungetc(next, c->f);
                        quoted = 0;
                        after_quote = 1;
                        continue;
                    }
                } else if (ch == '\n') {
                    c->line++;
                }
            } else if (ch == ',' || ch == '\n' || (ch == '\r')) {
                if (ch == '\r') {
                    int next = getc_unlocked(c->f);
                    if (next != '\n') {
                        if (next != EOF)
                            ungetc(next, c->f);
                        /* a lone CR is data */
                        goto data;
                    }
                    ch = '\n';
                }
                if (nf >= SBW_SIM_CSV_FIELDS_MAX) {
                    snprintf(err, errlen, "more than %d fields", SBW_SIM_CSV_FIELDS_MAX);
                    if (ch != '\n')
                        skip_line(c);
                    else
                        c->line++;
                    return 2;
                }
                c->buf[len] = '\0';
                c->fields[nf] = c->buf + fstart;
                c->field_len[nf] = len - fstart;
                nf++;
                len++;
                fstart = len;
                field_start = 1;
                after_quote = 0;
                if (ch == '\n') {
                    c->line++;
                    goto record;
                }
                continue;
            } else if (after_quote) {
                snprintf(err, errlen, "unexpected character after a closing quote");
                skip_line(c);
                return 2;
            } else if (ch == '"' && field_start) {
                quoted = 1;
                field_start = 0;
                continue;
            }
        data:
            field_start = 0;
            if (len >= SBW_SIM_CSV_RECORD_MAX + (size_t)nf) {
                snprintf(err, errlen, "record longer than %d bytes", SBW_SIM_CSV_RECORD_MAX);
                if (ch != '\n' || quoted)
                    skip_line(c);
                return 2;
            }
            c->buf[len++] = (char)ch;
        }
        /* end of input after the last field of a record without a final newline */
        if (nf >= SBW_SIM_CSV_FIELDS_MAX) {
            snprintf(err, errlen, "more than %d fields", SBW_SIM_CSV_FIELDS_MAX);
            return 2;
        }
        c->buf[len] = '\0';
        c->fields[nf] = c->buf + fstart;
        c->field_len[nf] = len - fstart;
        nf++;
    record:
        /* a blank line is one empty field: skip it */
        if (nf == 1 && c->field_len[0] == 0 && !after_quote)
            continue;
        c->nfields = nf;
        return 1;
    }
}
